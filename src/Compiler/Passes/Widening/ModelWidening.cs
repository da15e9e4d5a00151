using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Operations;
using Dipper.Compiler.Passes.Merging;

namespace Dipper.Compiler.Passes.Widening;

/// <summary>
/// Makes a model wider without changing what it computes (Net2WiderNet: Chen, Goodfellow and Shlens, "Net2Net:
/// Accelerating learning via knowledge transfer", 2016), so that a wide student distilled from the default model starts
/// as its teacher's own function instead of from random weights, which learn far too slowly here (docs/merge.md).
/// <para>
/// Every channel set (<see cref="ChannelSpaces"/>) except those holding the graph's input or output goes from C to N
/// channels. New channel j copies an original channel: round-robin over a seeded random order of the C channels, so
/// every channel gets ⌊N/C⌋ or ⌈N/C⌉ copies (no channel is copied twice while another has none, as independent draws
/// would do) and which ones get the extra copy does not follow the channels' index. A full convolution or linear layer
/// writing into the set copies the output row (weights and bias) of the channel it copies; a depthwise convolution copies
/// the channel's kernel and bias; elementwise operations (activations, the residual sum, transposes) carry the copy as
/// they carry the channel.
/// </para>
/// <para>
/// A full convolution or linear layer reading the set sees every copy of input channel i carry the same values, so it
/// splits its weights for i among them: each weight W[o, i, t] is divided into shares that sum to 1, drawn afresh for
/// every output row and tap. Net2Net divides by the number of copies; unequal shares give the copies different
/// gradients from the first step, so training can make them different features instead of keeping them twins. The
/// function is unchanged up to float rounding.
/// </para>
/// </summary>
public static class ModelWidening
{
    /// <summary>The pass name recorded in a package's provenance.</summary>
    public const string PassName = "widen-net2net";

    /// <summary>Each share is drawn from [<see cref="LeastShare"/>, <see cref="LeastShare"/> + 1) before the shares of
    /// one weight are scaled to sum to 1: no copy gets less than a third of another's share, so none starts as dead weight.</summary>
    private const double LeastShare = 0.5;

    /// <summary>Widens <paramref name="graph"/> (BatchNorm folded) to <see cref="WideningOptions.Channels"/> channels.</summary>
    /// <exception cref="GraphException">The graph has an operation whose channels cannot be followed (a grouped
    /// convolution that is not depthwise, BatchNorm, a transposed convolution), no set to widen, a set wider than asked,
    /// or a weight used by two layers.</exception>
    public static WidenedModel Apply(ModelGraph graph, WideningOptions options)
    {
        var spaces = ChannelSpaces.Of(graph);
        var widths = SetWidths(graph, spaces);
        if (widths.Count == 0)
            throw new GraphException($"graph '{graph.Name}': every channel set holds an input or output; there is nothing to widen");
        var (widest, width) = widths.MaxBy(w => w.Value);
        if (options.Channels < width)
            throw new GraphException($"{options.Channels} channels is narrower than the model: set '{spaces.Names[widest]}' has {width}; widening only adds channels");

        var random = new Random(options.Seed);
        var sources = widths.OrderBy(w => w.Key).ToDictionary(w => w.Key, w => Copies(w.Value, options.Channels, random));
        int[]? Sources(string value) => spaces.IsReduced(value) ? sources[spaces[value]] : null;

        var weights = new OrderedDictionary<string, WeightTensor>(graph.Weights);
        var widened = new HashSet<string>();
        void Put(string name, WeightTensor tensor)
        {
            if (!widened.Add(name)) throw new GraphException($"weight '{name}' is used by two layers; widening one would change the other");
            weights[name] = tensor;
        }
        var nodes = new List<GraphNode>();
        foreach (var node in graph.Nodes)
        {
            var (rows, columns) = (Sources(node.Output), Sources(node.Inputs[0]));
            switch (node.Operation)
            {
                case Conv1d conv when ChannelSpaces.IsDepthwise(conv) && rows is not null:
                    Put(conv.Weight, CopyRows(graph.Weights[conv.Weight], rows));
                    if (conv.Bias is not null) Put(conv.Bias, CopyRows(graph.Weights[conv.Bias], rows));
                    nodes.Add(node with { Operation = conv with { InChannels = rows.Length, OutChannels = rows.Length, Groups = rows.Length } });
                    break;
                case Conv1d conv when !ChannelSpaces.IsDepthwise(conv) && (rows ?? columns) is not null:
                    Put(conv.Weight, SplitColumns(graph.Weights[conv.Weight], rows, columns, random));
                    if (conv.Bias is not null && rows is not null) Put(conv.Bias, CopyRows(graph.Weights[conv.Bias], rows));
                    nodes.Add(node with { Operation = conv with { InChannels = columns?.Length ?? conv.InChannels, OutChannels = rows?.Length ?? conv.OutChannels } });
                    break;
                case Linear linear when (rows ?? columns) is not null:
                    Put(linear.Weight, SplitColumns(graph.Weights[linear.Weight], rows, columns, random));
                    if (linear.Bias is not null && rows is not null) Put(linear.Bias, CopyRows(graph.Weights[linear.Bias], rows));
                    nodes.Add(node with { Operation = linear with { InFeatures = columns?.Length ?? linear.InFeatures, OutFeatures = rows?.Length ?? linear.OutFeatures } });
                    break;
                default:
                    nodes.Add(node);
                    break;
            }
        }
        var sets = sources.Select(s => new WidenedChannelSet(spaces.Names[s.Key], widths[s.Key], s.Value)).ToArray();
        return new WidenedModel(new ModelGraph(graph.Name, graph.Inputs, nodes, graph.Outputs, weights), sets, options.Seed);
    }

    /// <summary>The channels of every set that is widened, read from the full layers that write into it.</summary>
    private static Dictionary<int, int> SetWidths(ModelGraph graph, ChannelSpaces spaces)
    {
        var widths = new Dictionary<int, int>();
        foreach (var node in graph.Nodes)
        {
            if (!spaces.IsReduced(node.Output)) continue;
            int? width = node.Operation switch
            {
                Conv1d conv when !ChannelSpaces.IsDepthwise(conv) => conv.OutChannels,
                Linear linear => linear.OutFeatures,
                _ => null,
            };
            if (width is { } w) widths[spaces[node.Output]] = w;
        }
        return widths;
    }

    /// <summary>The original channel each of <paramref name="channels"/> carries: itself, then round-robin over a random order.</summary>
    private static int[] Copies(int width, int channels, Random random)
    {
        var order = Enumerable.Range(0, width).ToArray();
        random.Shuffle(order);
        return Enumerable.Range(0, channels).Select(j => j < width ? j : order[(j - width) % width]).ToArray();
    }

    /// <summary>Rows of a tensor [C, …] copied to [N, …]: row j is row <paramref name="rows"/>[j].</summary>
    private static WeightTensor CopyRows(WeightTensor tensor, int[] rows)
    {
        var size = tensor.Count / tensor.Shape[0];
        var values = new float[rows.Length * size];
        for (var j = 0; j < rows.Length; j++) tensor.Values.Slice(rows[j] * size, size).CopyTo(values.AsSpan(j * size, size));
        var shape = tensor.Shape.ToArray();
        shape[0] = rows.Length;
        return new WeightTensor(shape, values);
    }

    /// <summary>
    /// A full layer's weight [out, in, taps] (taps 1 for a linear layer): rows copied as <paramref name="rows"/> says
    /// (null: as they are), and each original input column split among its copies by unequal random shares summing to 1,
    /// drawn for every row and tap (null <paramref name="columns"/>: the inputs are not widened).
    /// </summary>
    private static WeightTensor SplitColumns(WeightTensor weight, int[]? rows, int[]? columns, Random random)
    {
        var (outs, ins) = (weight.Shape[0], weight.Shape[1]);
        var taps = weight.Count / (outs * ins);
        rows ??= Enumerable.Range(0, outs).ToArray();
        columns ??= Enumerable.Range(0, ins).ToArray();
        var copiesOf = Enumerable.Range(0, ins).Select(i => new List<int>()).ToArray();
        for (var j = 0; j < columns.Length; j++) copiesOf[columns[j]].Add(j);
        var values = new float[rows.Length * columns.Length * taps];
        var shares = new double[columns.Length];
        for (var o = 0; o < rows.Length; o++)
            for (var i = 0; i < ins; i++)
                for (var t = 0; t < taps; t++)
                {
                    var copies = copiesOf[i];
                    var original = weight.Values[(rows[o] * ins + i) * taps + t];
                    if (copies.Count == 1)
                    {
                        values[(o * columns.Length + copies[0]) * taps + t] = original;
                        continue;
                    }
                    var sum = 0.0;
                    for (var c = 0; c < copies.Count; c++) sum += shares[c] = LeastShare + random.NextDouble();
                    // The last copy takes what the others leave, so that the float weights add up to the original one.
                    var left = original;
                    for (var c = 0; c < copies.Count - 1; c++)
                        left -= values[(o * columns.Length + copies[c]) * taps + t] = (float)(original * shares[c] / sum);
                    values[(o * columns.Length + copies[^1]) * taps + t] = left;
                }
        var shape = weight.Shape.ToArray();
        (shape[0], shape[1]) = (rows.Length, columns.Length);
        return new WeightTensor(shape, values);
    }
}
