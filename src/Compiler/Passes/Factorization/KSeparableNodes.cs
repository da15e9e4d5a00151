using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Operations;

namespace Dipper.Compiler.Passes.Factorization;

/// <summary>
/// A separable block in KSeparable form as two graph nodes: a dense 3-tap convolution (padding 1) and a
/// (taps/3)-tap depthwise convolution dilated by 3 (padding 3·(taps/3 − 1)/2) that carries the block's bias
/// and keeps the pointwise node's name and output value, so nothing downstream changes. Both keep the
/// signal's length with padding TFLite's SAME reproduces, so the Edge TPU model needs no PAD operator.
/// Frames whose receptive field lies inside the chunk equal the single convolution with kernel A·B; within
/// taps/2 frames of a chunk's ends the second layer sees zeros where the first layer's output would
/// continue (chunks overlap, and the base caller trims far more than that at each end).
/// </summary>
/// <param name="Dense">The dense 3-tap node.</param>
/// <param name="Depthwise">The dilated depthwise node (named as the block's pointwise node).</param>
/// <param name="Weights">The new weights by name.</param>
public sealed record KSeparableNodes(GraphNode Dense, GraphNode Depthwise, IReadOnlyDictionary<string, WeightTensor> Weights)
{
    /// <summary>Suffix of the dense node's name.</summary>
    public const string DenseSuffix = ".ksep_dense";

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
}
