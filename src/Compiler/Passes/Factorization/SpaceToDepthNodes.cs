using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Operations;

namespace Dipper.Compiler.Passes.Factorization;

/// <summary>
/// A residual block in DeepNano-coral's S2D form as graph nodes: a stride-3 convolution in (C → 2C channels, 3 taps,
/// a third of the frames), the main branch's layers again at 2C channels on those frames, and a transposed stride-3
/// convolution out (2C → C, 3 taps, no bias, as DeepNano-coral's), added to the unchanged residual 1 × 1 convolution,
/// which carries the branch's bias. The ADD keeps its name and output, so nothing downstream changes. The frames at
/// the block must be a multiple of 3 (the default model's 1800-sample chunks give 600).
/// </summary>
/// <param name="Block">The block rewritten.</param>
/// <param name="Down">The stride-3 convolution in.</param>
/// <param name="Inner">The main branch's layers at 2C channels, named after the originals with ".s2d".</param>
/// <param name="Up">The transposed stride-3 convolution out.</param>
/// <param name="Residual">The residual convolution, given a bias if it had none.</param>
/// <param name="Join">The ADD, reading <see cref="Up"/> in place of the old main branch.</param>
/// <param name="Weights">The new weights by name; the inner layers start as identities (centre tap 1, bias 0), the stride-3 pair at zero.</param>
public sealed record SpaceToDepthNodes(ResidualBlock Block, GraphNode Down, IReadOnlyList<GraphNode> Inner, GraphNode Up, GraphNode Residual,
    GraphNode Join, IReadOnlyDictionary<string, WeightTensor> Weights)
{
    /// <summary>The time step of the block: frames in per frame inside, and the kernel of the stride-3 pair.</summary>
    public const int Factor = 3;

    /// <summary>How many times the channels the block runs at inside.</summary>
    public const int Widening = 2;

    /// <summary>Channels inside the block.</summary>
    public int InnerChannels => Widening * Block.Channels;

    /// <summary>The new nodes in execution order, in place of the main branch.</summary>
    public IEnumerable<GraphNode> Branch => Inner.Prepend(Down).Append(Up);

    /// <summary>Builds the S2D nodes of <paramref name="block"/>; <paramref name="weights"/> are the graph's (for the residual's bias).</summary>
    public static SpaceToDepthNodes Of(ResidualBlock block, IReadOnlyDictionary<string, WeightTensor> weights)
    {
        var (c, wide) = (block.Channels, Widening * block.Channels);
        var added = new Dictionary<string, WeightTensor>();
        var downName = $"{block.Name}.s2d_down";
        added[$"{downName}.weight"] = new WeightTensor([wide, c, Factor], new float[wide * c * Factor]);
        added[$"{downName}.bias"] = new WeightTensor([wide], new float[wide]);
        var down = new GraphNode(downName, new Conv1d
        {
            InChannels = c, OutChannels = wide, KernelSize = Factor, Stride = Factor, Weight = $"{downName}.weight", Bias = $"{downName}.bias",
        }, [block.Input], downName);
        var inner = new List<GraphNode>();
        var x = downName;
        foreach (var node in block.Main)
        {
            var name = $"{node.Name}.s2d";
            var operation = node.Operation;
            if (operation is Conv1d conv)
            {
                var groups = conv.Groups == 1 ? 1 : wide;
                var perGroup = wide / groups;
                var identity = new float[wide * perGroup * conv.KernelSize];
                // Output o passes input o (its own channel in a depthwise layer) through the centre tap.
                for (var o = 0; o < wide; o++) identity[(o * perGroup + (groups == 1 ? o : 0)) * conv.KernelSize + conv.KernelSize / 2] = 1;
                added[$"{name}.weight"] = new WeightTensor([wide, perGroup, conv.KernelSize], identity);
                added[$"{name}.bias"] = new WeightTensor([wide], new float[wide]);
                operation = conv with { InChannels = wide, OutChannels = wide, Groups = groups, Weight = $"{name}.weight", Bias = $"{name}.bias" };
            }
            inner.Add(new GraphNode(name, operation, [x], name));
            x = name;
        }
        var upName = $"{block.Name}.s2d_up";
        added[$"{upName}.weight"] = new WeightTensor([wide, c, Factor], new float[wide * c * Factor]);
        var up = new GraphNode(upName, new ConvTranspose1d
        {
            InChannels = wide, OutChannels = c, KernelSize = Factor, Stride = Factor, Weight = $"{upName}.weight",
        }, [x], upName);
        var residual = block.Residual;
        var residualConv = (Conv1d)residual.Operation;
        if (residualConv.Bias is null)
        {
            var biasName = $"{residual.Name}.s2d_bias";
            added[biasName] = new WeightTensor([c], new float[c]);
            residual = residual with { Operation = residualConv with { Bias = biasName } };
        }
        else
        {
            added[residualConv.Bias] = weights[residualConv.Bias];
        }
        var mainEnd = block.Main[^1].Output;
        var join = block.Join with { Inputs = block.Join.Inputs.Select(v => v == mainEnd ? upName : v).ToArray() };
        return new SpaceToDepthNodes(block, down, inner, up, residual, join, added);
    }

    /// <summary>
    /// <paramref name="graph"/> with every block of <paramref name="rewrites"/> in S2D form: the new branch where the
    /// old one began, the residual and the ADD where they were; the old branch's weights dropped.
    /// </summary>
    public static ModelGraph Apply(ModelGraph graph, IReadOnlyList<SpaceToDepthNodes> rewrites)
    {
        var byFirst = rewrites.ToDictionary(r => r.Block.Main[0].Name);
        var removed = rewrites.SelectMany(r => r.Block.Main).Select(n => n.Name).ToHashSet();
        var replaced = rewrites.SelectMany(r => new[] { (r.Block.Residual.Name, r.Residual), (r.Block.Join.Name, r.Join) }).ToDictionary(p => p.Item1, p => p.Item2);
        var nodes = new List<GraphNode>();
        foreach (var node in graph.Nodes)
        {
            if (byFirst.TryGetValue(node.Name, out var rewrite)) nodes.AddRange(rewrite.Branch);
            if (removed.Contains(node.Name)) continue;
            nodes.Add(replaced.GetValueOrDefault(node.Name, node));
        }
        var dropped = rewrites.SelectMany(r => r.Block.Main).SelectMany(n => n.Operation.WeightNames).ToHashSet();
        var weights = new OrderedDictionary<string, WeightTensor>();
        foreach (var (name, weight) in graph.Weights)
            if (!dropped.Contains(name)) weights[name] = weight;
        foreach (var (name, weight) in rewrites.SelectMany(r => r.Weights)) weights[name] = weight;
        return new ModelGraph(graph.Name, graph.Inputs, nodes, graph.Outputs, weights);
    }
}
