using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Operations;
using Dipper.Compiler.Numerics;

namespace Dipper.Compiler.Training;

/// <summary>
/// A fresh start for a model's architecture: new weights drawn from a seed, so two students distilled from one
/// teacher start from different points (what merging two seeds needs), and the same seed gives the same start on
/// any machine (SplitMix64 normals, not libtorch's generator). Each kernel is drawn N(0, (g/√fan-in)²), fan-in =
/// input channels per group × kernel width, biases zero; g keeps the activations' scale through a network trained
/// without BatchNorm (the folded graphs Dipper trains): g = 1.68 (1/√E[swish(x)²] for x ~ N(0,1)) for a full
/// convolution, 1 for a depthwise one (no activation follows it) and for the class-score layer, divided by √2 for
/// the two convolutions whose outputs a residual block adds. BatchNorms, when unfolded, start as the identity.
/// </summary>
public static class FreshWeights
{
    private const double SwishGain = 1.68;

    /// <summary><paramref name="graph"/> with every weight drawn anew from <paramref name="seed"/>.</summary>
    public static ModelGraph Draw(ModelGraph graph, int seed)
    {
        var added = graph.Nodes.Where(n => n.Operation is Add).SelectMany(n => n.Inputs).ToHashSet();
        var weights = new OrderedDictionary<string, WeightTensor>(graph.Weights);
        var index = 0L;
        foreach (var node in graph.Nodes)
        {
            index++;
            switch (node.Operation)
            {
                case Conv1d conv:
                {
                    var depthwise = conv.Groups > 1 && conv.Groups == conv.InChannels;
                    var gain = (depthwise ? 1 : SwishGain) / (added.Contains(node.Output) ? Math.Sqrt(2) : 1);
                    Draw(weights, conv.Weight, conv.InChannels / conv.Groups * conv.KernelSize, gain, seed, index);
                    if (conv.Bias is not null) Fill(weights, conv.Bias, 0);
                    break;
                }
                case ConvTranspose1d up:
                    // Each output frame sums in × k/stride products on average: that is its fan-in.
                    Draw(weights, up.Weight, Math.Max(1, up.InChannels * up.KernelSize / up.Stride),
                        SwishGain / (added.Contains(node.Output) ? Math.Sqrt(2) : 1), seed, index);
                    if (up.Bias is not null) Fill(weights, up.Bias, 0);
                    break;
                case Linear linear:
                    Draw(weights, linear.Weight, linear.InFeatures, 1, seed, index);
                    if (linear.Bias is not null) Fill(weights, linear.Bias, 0);
                    break;
                case BatchNorm1d norm:
                    Fill(weights, norm.Scale, 1);
                    Fill(weights, norm.Shift, 0);
                    Fill(weights, norm.RunningMean, 0);
                    Fill(weights, norm.RunningVariance, 1);
                    break;
            }
        }
        return new ModelGraph(graph.Name, graph.Inputs, graph.Nodes, graph.Outputs, weights);
    }

    private static void Draw(OrderedDictionary<string, WeightTensor> weights, string name, int fanIn, double gain, int seed, long node)
    {
        var shape = weights[name].Shape;
        var normals = SplitMix64.Normals(unchecked(seed * 1_000_003L + node * 7_919L), weights[name].Count);
        var std = gain / Math.Sqrt(fanIn);
        weights[name] = new WeightTensor(shape, normals.Select(v => (float)(v * std)).ToArray());
    }

    private static void Fill(OrderedDictionary<string, WeightTensor> weights, string name, float value)
    {
        var count = weights[name].Count;
        weights[name] = new WeightTensor(weights[name].Shape, Enumerable.Repeat(value, count).ToArray());
    }
}
