using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Operations;

namespace Dipper.Compiler.Passes.Merging;

/// <summary>
/// Which values of a graph share one set of channels. Elementwise operations (activations, the residual sum), a
/// depthwise convolution and a transpose keep their input's channels: channel c of the output is channel c of the
/// input, so when c is dropped it is dropped from all of them at once. A full convolution or linear layer starts a
/// new set. A merge selects channels per set (its "selection point"): one set per repeat of a residual block and one
/// per block output, where the main branch's last convolution and the residual projection write into the same set.
/// The sets that hold a graph input or output (the signal, the class scores) are never reduced, nor widened
/// (<c>Passes/Widening</c>, which adds channels to every other set).
/// </summary>
public sealed class ChannelSpaces
{
    private readonly Dictionary<string, int> _space = [];

    private ChannelSpaces(ModelGraph graph)
    {
        var parent = new Dictionary<string, string>();
        string Find(string v)
        {
            while (parent[v] != v)
            {
                parent[v] = parent[parent[v]];
                v = parent[v];
            }
            return v;
        }
        void Join(string a, string b)
        {
            var (ra, rb) = (Find(a), Find(b));
            if (ra != rb) parent[rb] = ra;
        }
        foreach (var input in graph.Inputs) parent[input.Name] = input.Name;
        foreach (var node in graph.Nodes)
        {
            parent[node.Output] = node.Output;
            switch (node.Operation)
            {
                case Conv1d conv when IsDepthwise(conv):
                case Swish or Logistic or Relu or Relu6 or Add or Mul or Transpose or LogSoftmax:
                    foreach (var input in node.Inputs) Join(input, node.Output);
                    break;
                case Conv1d conv when conv.Groups != 1:
                    throw new GraphException($"node '{node.Name}': a grouped convolution ({conv.Groups} groups) that is not depthwise; its channels cannot be followed (merge and widen need full or depthwise convolutions)");
                case Conv1d or Linear:
                    break;
                default:
                    throw new GraphException($"node '{node.Name}': the channels of a {node.Operation.Kind} cannot be followed by merge and widen (fold BatchNorm first)");
            }
        }
        var roots = new Dictionary<string, int>();
        foreach (var value in parent.Keys)
        {
            var root = Find(value);
            if (!roots.TryGetValue(root, out var id)) roots[root] = id = roots.Count;
            _space[value] = id;
        }
        Count = roots.Count;
        Fixed = graph.Inputs.Select(i => _space[i.Name]).Concat(graph.Outputs.Select(o => _space[o.Name])).ToHashSet();
        var names = new string[Count];
        foreach (var node in graph.Nodes.Reverse()) names[_space[node.Output]] = node.Output;
        foreach (var input in graph.Inputs) names[_space[input.Name]] = input.Name;
        Names = names;
    }

    /// <summary>The channel sets of <paramref name="graph"/>.</summary>
    /// <exception cref="GraphException">The graph has an operation whose channels cannot be followed (BatchNorm: fold it first; grouped convolutions).</exception>
    public static ChannelSpaces Of(ModelGraph graph) => new(graph);

    /// <summary>Number of channel sets.</summary>
    public int Count { get; }

    /// <summary>The sets that are never reduced: those of the graph's inputs and outputs.</summary>
    public IReadOnlySet<int> Fixed { get; }

    /// <summary>A name for each set: the first value in graph order that belongs to it.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>The set a value belongs to.</summary>
    public int this[string value] => _space[value];

    /// <summary>True when the set of <paramref name="value"/> is reduced by a merge.</summary>
    public bool IsReduced(string value) => !Fixed.Contains(_space[value]);

    /// <summary>True for a convolution with one group per channel, which keeps its input's channels.</summary>
    public static bool IsDepthwise(Conv1d conv) => conv.Groups > 1 && conv.Groups == conv.InChannels && conv.Groups == conv.OutChannels;
}
