using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Operations;

namespace Dipper.Compiler.Passes.Factorization;

/// <summary>
/// A separable block in KSeparable form as two graph nodes: a dense 3-tap convolution (padding 1) and a
/// (taps/3)-tap depthwise convolution dilated by 3 (padding 3·(taps/3 − 1)/2), in either order
/// (<see cref="KSeparableOrder"/>). The second carries the block's bias and keeps the pointwise node's name and
/// output value, so nothing downstream changes. Both keep the
/// signal's length with padding TFLite's SAME reproduces, so the Edge TPU model needs no PAD operator.
/// Frames whose receptive field lies inside the chunk equal the single convolution with kernel A·B; within
/// taps/2 frames of a chunk's ends the second layer sees zeros where the first layer's output would
/// continue (chunks overlap, and the base caller trims far more than that at each end).
/// </summary>
/// <param name="Dense">The dense 3-tap node (named as the block's pointwise node when it runs second).</param>
/// <param name="Depthwise">The dilated depthwise node (named as the block's pointwise node when it runs second).</param>
/// <param name="Weights">The new weights by name.</param>
/// <param name="Order">Which node runs first.</param>
public sealed record KSeparableNodes(GraphNode Dense, GraphNode Depthwise, IReadOnlyDictionary<string, WeightTensor> Weights,
    KSeparableOrder Order = KSeparableOrder.DenseFirst)
{
    /// <summary>Suffix of the dense node's name (when it runs first).</summary>
    public const string DenseSuffix = ".ksep_dense";

    /// <summary>Suffix of the depthwise node's name (when it runs first).</summary>
    public const string DepthwiseSuffix = ".ksep_depthwise";

    /// <summary>The two nodes in the order they run; the second writes the block's output.</summary>
    public IReadOnlyList<GraphNode> InOrder => Order == KSeparableOrder.DenseFirst ? [Dense, Depthwise] : [Depthwise, Dense];

    /// <summary>Builds the nodes of <paramref name="block"/> from fitted factors and the block's bias.</summary>
    public static KSeparableNodes Of(SeparableBlock block, KSeparableFit.Factors factors, float[] bias)
    {
        var (c, outC, taps) = (block.Channels, block.OutChannels, block.KSeparableTaps);
        var m = taps / KSeparableFit.DenseTaps;
        var name = block.Pointwise.Name;
        var denseName = name + DenseSuffix;
        var (denseWeight, depthwiseWeight, biasName) = ($"{denseName}.weight", $"{name}.ksep_depthwise.weight", $"{name}.ksep_depthwise.bias");
        var dense = new GraphNode(denseName, new Conv1d
        {
            InChannels = c, OutChannels = outC, KernelSize = KSeparableFit.DenseTaps, Padding = 1, Weight = denseWeight,
        }, block.Depthwise.Inputs, denseName);
        var depthwise = block.Pointwise with
        {
            Operation = new Conv1d
            {
                InChannels = outC, OutChannels = outC, KernelSize = m, Dilation = KSeparableFit.DenseTaps,
                Padding = KSeparableFit.DenseTaps * (m - 1) / 2, Groups = outC, Weight = depthwiseWeight, Bias = biasName,
            },
            Inputs = [denseName],
        };
        return new KSeparableNodes(dense, depthwise, new Dictionary<string, WeightTensor>
        {
            [denseWeight] = new([outC, c, KSeparableFit.DenseTaps], factors.Dense),
            [depthwiseWeight] = new([outC, 1, m], factors.Depthwise),
            [biasName] = new([outC], bias),
        });
    }

    /// <summary>
    /// Builds the nodes of <paramref name="block"/> in <see cref="KSeparableOrder.DepthwiseFirst"/> order from factors
    /// of <see cref="KSeparableDepthwiseFirstFit"/> (B per input channel) and the block's bias, which the dense node adds.
    /// </summary>
    public static KSeparableNodes DepthwiseFirst(SeparableBlock block, KSeparableFit.Factors factors, float[] bias)
    {
        var (c, outC, taps) = (block.Channels, block.OutChannels, block.KSeparableTaps);
        var m = taps / KSeparableFit.DenseTaps;
        var name = block.Pointwise.Name;
        var depthwiseName = name + DepthwiseSuffix;
        var (depthwiseWeight, depthwiseBias, denseWeight, denseBias) =
            ($"{depthwiseName}.weight", $"{depthwiseName}.bias", $"{name}.ksep_dense.weight", $"{name}.ksep_dense.bias");
        var depthwise = new GraphNode(depthwiseName, new Conv1d
        {
            InChannels = c, OutChannels = c, KernelSize = m, Dilation = KSeparableFit.DenseTaps,
            Padding = KSeparableFit.DenseTaps * (m - 1) / 2, Groups = c, Weight = depthwiseWeight, Bias = depthwiseBias,
        }, block.Depthwise.Inputs, depthwiseName);
        var dense = block.Pointwise with
        {
            Operation = new Conv1d
            {
                InChannels = c, OutChannels = outC, KernelSize = KSeparableFit.DenseTaps, Padding = 1, Weight = denseWeight, Bias = denseBias,
            },
            Inputs = [depthwiseName],
        };
        return new KSeparableNodes(dense, depthwise, new Dictionary<string, WeightTensor>
        {
            [depthwiseWeight] = new([c, 1, m], factors.Depthwise),
            // A zero bias rather than none, so that fine-tuning can move it, as it moves the dense-first pair's depthwise bias.
            [depthwiseBias] = new([c], new float[c]),
            [denseWeight] = new([outC, c, KSeparableFit.DenseTaps], factors.Dense),
            [denseBias] = new([outC], bias),
        }, KSeparableOrder.DepthwiseFirst);
    }
}
