using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Operations;

namespace Dipper.Compiler.Passes.Merging;

/// <summary>
/// Two networks of one architecture side by side as one network of twice the width that computes their ensemble
/// (Pašen and Boža's concatenation): every reduced channel set (<see cref="ChannelSpaces"/>) holds A's channels
/// first and B's after them. A layer reading the signal stacks A's and B's kernels; a layer between two doubled
/// sets is block-diagonal (A's inputs feed only A's outputs); a depthwise layer stacks its channels; the layer that
/// makes the class scores averages the two (weights halved side by side, biases averaged), so the log-softmax sees
/// the mean of the two networks' scores. Weights keep A's names, with doubled shapes.
/// </summary>
public static class ModelConcatenation
{
    /// <summary>The doubled network of <paramref name="a"/> and <paramref name="b"/> (both BatchNorm-folded).</summary>
    /// <exception cref="GraphException">The two graphs differ in structure or weight shapes, or hold an operation a merge cannot follow.</exception>
    public static ModelGraph Apply(ModelGraph a, ModelGraph b)
    {
        RequireSameArchitecture(a, b);
        var spaces = ChannelSpaces.Of(a);
        var weights = new OrderedDictionary<string, WeightTensor>();
        var nodes = new List<GraphNode>();
        foreach (var node in a.Nodes)
        {
            switch (node.Operation)
            {
                case Conv1d conv when ChannelSpaces.IsDepthwise(conv):
                    Stack(conv.Weight, a, b, weights);
                    if (conv.Bias is not null) Stack(conv.Bias, a, b, weights);
                    var channels = 2 * conv.InChannels;
                    nodes.Add(node with { Operation = conv with { InChannels = channels, OutChannels = channels, Groups = channels } });
                    break;
                case Conv1d conv:
                {
                    var (inDoubled, outDoubled) = (spaces.IsReduced(node.Inputs[0]), spaces.IsReduced(node.Output));
                    Join(conv.Weight, conv.Bias, conv.KernelSize, inDoubled, outDoubled, a, b, weights);
                    nodes.Add(node with
                    {
                        Operation = conv with
                        {
                            InChannels = inDoubled ? 2 * conv.InChannels : conv.InChannels,
                            OutChannels = outDoubled ? 2 * conv.OutChannels : conv.OutChannels,
                        },
                    });
                    break;
                }
                case Linear linear:
                {
                    var (inDoubled, outDoubled) = (spaces.IsReduced(node.Inputs[0]), spaces.IsReduced(node.Output));
                    Join(linear.Weight, linear.Bias, 1, inDoubled, outDoubled, a, b, weights);
                    nodes.Add(node with
                    {
                        Operation = linear with
                        {
                            InFeatures = inDoubled ? 2 * linear.InFeatures : linear.InFeatures,
                            OutFeatures = outDoubled ? 2 * linear.OutFeatures : linear.OutFeatures,
                        },
                    });
                    break;
                }
                default:
                    nodes.Add(node);
                    break;
            }
        }
        return new ModelGraph($"{a.Name} ⊕ {b.Name}", a.Inputs, nodes, a.Outputs, weights);
    }

    /// <summary>
    /// Checks that <paramref name="a"/> and <paramref name="b"/> have the same nodes (names, kinds, inputs, outputs,
    /// attributes) and weights of the same names and shapes: two trainings of one architecture.
    /// </summary>
    /// <exception cref="GraphException">They differ; the message names the first difference.</exception>
    public static void RequireSameArchitecture(ModelGraph a, ModelGraph b)
    {
        if (a.Nodes.Count != b.Nodes.Count)
            throw new GraphException($"'{a.Name}' has {a.Nodes.Count} nodes and '{b.Name}' {b.Nodes.Count}: not one architecture");
        for (var i = 0; i < a.Nodes.Count; i++)
        {
            var (x, y) = (a.Nodes[i], b.Nodes[i]);
            if (x.Name != y.Name || x.Output != y.Output || !x.Inputs.SequenceEqual(y.Inputs) || Describe(x.Operation) != Describe(y.Operation))
                throw new GraphException($"node {i} differs: '{x.Name}' ({Describe(x.Operation)}) in '{a.Name}', '{y.Name}' ({Describe(y.Operation)}) in '{b.Name}'");
        }
        foreach (var (name, weight) in a.Weights)
        {
            if (!b.Weights.TryGetValue(name, out var other) || !other.Shape.SequenceEqual(weight.Shape))
                throw new GraphException($"weight '{name}' is {weight.ShapeText} in '{a.Name}' but {(other is null ? "missing" : other.ShapeText)} in '{b.Name}'");
        }
    }

    // Records print their properties; a transpose's permutation is a list, so it is spelled out.
    private static string Describe(Operation op) => op is Transpose t ? $"Transpose({string.Join(",", t.Permutation)})" : op.ToString();

    private static void Stack(string name, ModelGraph a, ModelGraph b, OrderedDictionary<string, WeightTensor> weights)
    {
        var (x, y) = (a.Weights[name], b.Weights[name]);
        var shape = x.Shape.ToArray();
        shape[0] *= 2;
        weights[name] = new WeightTensor(shape, [.. x.Values, .. y.Values]);
    }

    /// <summary>A convolution or linear layer [out, in, kernel] of the doubled network (kernel 1 for linear).</summary>
    private static void Join(string weightName, string? biasName, int kernel, bool inDoubled, bool outDoubled, ModelGraph a, ModelGraph b,
        OrderedDictionary<string, WeightTensor> weights)
    {
        var (wa, wb) = (a.Weights[weightName], b.Weights[weightName]);
        var (outs, ins) = (wa.Shape[0], wa.Shape[1]);
        var (outs2, ins2) = (outDoubled ? 2 * outs : outs, inDoubled ? 2 * ins : ins);
        var values = new float[outs2 * ins2 * kernel];
        // The class scores average the two networks; a doubled output keeps each network's rows apart.
        var factor = outDoubled ? 1f : 0.5f;
        void Put(WeightTensor w, int outOffset, int inOffset)
        {
            for (var o = 0; o < outs; o++)
                for (var i = 0; i < ins; i++)
                    for (var k = 0; k < kernel; k++)
                        values[((o + outOffset) * ins2 + i + inOffset) * kernel + k] += factor * w.Values[(o * ins + i) * kernel + k];
        }
        Put(wa, 0, 0);
        Put(wb, outDoubled ? outs : 0, inDoubled ? ins : 0);
        var shape = wa.Shape.ToArray();
        (shape[0], shape[1]) = (outs2, ins2);
        weights[weightName] = new WeightTensor(shape, values);
        if (biasName is null) return;
        var (ba, bb) = (a.Weights[biasName].Values.ToArray(), b.Weights[biasName].Values.ToArray());
        weights[biasName] = outDoubled
            ? new WeightTensor([outs2], [.. ba, .. bb])
            : new WeightTensor([outs], Enumerable.Range(0, outs).Select(o => 0.5f * ba[o] + 0.5f * bb[o]).ToArray());
    }
}
