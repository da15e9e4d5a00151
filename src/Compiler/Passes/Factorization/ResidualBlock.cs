using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Operations;

namespace Dipper.Compiler.Passes.Factorization;

/// <summary>
/// A residual block of a folded graph, as Bonito-style base callers build them: a main branch of convolutions and
/// activations that keep C channels and the signal's length (depthwise, pointwise, or the KSeparable pair), and a
/// residual 1 × 1 convolution C → C of the same input, joined by an ADD. The S2D rewrite replaces the main branch.
/// </summary>
/// <param name="Input">The value both branches read.</param>
/// <param name="Main">The main branch's nodes in order; the last one's output is added.</param>
/// <param name="Residual">The 1 × 1 convolution of the residual branch.</param>
/// <param name="Join">The ADD node.</param>
public sealed record ResidualBlock(string Input, IReadOnlyList<GraphNode> Main, GraphNode Residual, GraphNode Join)
{
    /// <summary>Channels C of the input, the main branch and the output.</summary>
    public int Channels => ((Conv1d)Residual.Operation).OutChannels;

    /// <summary>A short name for records and new nodes: the ADD's module path without its last part ("e.encoder.2").</summary>
    public string Name => Join.Name.Contains('.') ? Join.Name[..Join.Name.LastIndexOf('.')] : Join.Name;

    /// <summary>Every residual block of <paramref name="graph"/>, in execution order.</summary>
    public static IReadOnlyList<ResidualBlock> All(ModelGraph graph) =>
        graph.Nodes.Select(n => At(graph, n)).OfType<ResidualBlock>().ToArray();

    /// <summary>The block that <paramref name="join"/> ends, or null when it does not end one.</summary>
    public static ResidualBlock? At(ModelGraph graph, GraphNode join)
    {
        if (join.Operation is not Add || join.Inputs.Count != 2 || join.Inputs[0] == join.Inputs[1]) return null;
        foreach (var (mainEnd, residualValue) in new[] { (join.Inputs[0], join.Inputs[1]), (join.Inputs[1], join.Inputs[0]) })
        {
            if (graph.Producer(residualValue) is not { Operation: Conv1d { KernelSize: 1, Stride: 1, Padding: 0, Groups: 1 } r } residual
                || r.InChannels != r.OutChannels || !OnlyReader(graph, residualValue, join))
                continue;
            var input = residual.Inputs[0];
            var main = new List<GraphNode>();
            var value = mainEnd;
            while (value != input && graph.Producer(value) is { } node && Keeps(node.Operation, r.OutChannels)
                   && node.Inputs.Count == 1 && OnlyReader(graph, value, main.Count == 0 ? join : main[0]))
            {
                main.Insert(0, node);
                value = node.Inputs[0];
            }
            // The branch must start at the residual's input and hold at least one convolution.
            if (value != input || main.Count == 0 || !main.Any(n => n.Operation is Conv1d)) continue;
            return new ResidualBlock(input, main, residual, join);
        }
        return null;
    }

    /// <summary>True for an operation that keeps C channels and every frame: a stride-1 convolution padded to keep the length, or an activation.</summary>
    private static bool Keeps(Operation operation, int channels) => operation switch
    {
        Conv1d { Stride: 1 } c => c.InChannels == channels && c.OutChannels == channels && c.KernelSize % 2 == 1
            && c.Padding == c.Dilation * (c.KernelSize - 1) / 2 && (c.Groups == 1 || c.Groups == channels),
        Swish or Relu or Relu6 => true,
        _ => false,
    };

    private static bool OnlyReader(ModelGraph graph, string value, GraphNode reader) =>
        graph.Consumers(value).All(n => n == reader) && graph.Outputs.All(o => o.Name != value);
}
