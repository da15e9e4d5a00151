using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Operations;

namespace Dipper.Compiler.Passes.Factorization;

/// <summary>
/// A depthwise-separable convolution of a folded graph: a K-tap depthwise convolution (stride 1, padded
/// to keep the length) whose only reader is the next node, a 1 × 1 convolution over all its channels.
/// Together they are one K-tap convolution C → C_out whose kernel W[o, i, t] = P[o, i]·D[i, t] is what the
/// KSeparable rewrite refits.
/// </summary>
/// <param name="Depthwise">The depthwise node.</param>
/// <param name="Pointwise">The 1 × 1 node after it.</param>
public sealed record SeparableBlock(GraphNode Depthwise, GraphNode Pointwise)
{
    /// <summary>Input channels.</summary>
    public int Channels => DepthwiseConv.InChannels;

    /// <summary>Output channels.</summary>
    public int OutChannels => PointwiseConv.OutChannels;

    /// <summary>The depthwise kernel width K.</summary>
    public int Kernel => DepthwiseConv.KernelSize;

    /// <summary>
    /// The KSeparable form's receptive field: the smallest odd multiple of 3 not below K, so the block
    /// stays centred with zero taps added at both ends (K = 11 becomes 15: 3 dense taps, 5 depthwise taps dilated by 3).
    /// </summary>
    public int KSeparableTaps
    {
        get
        {
            var taps = Kernel;
            while (taps % 3 != 0 || taps % 2 == 0) taps++;
            return taps;
        }
    }

    private Conv1d DepthwiseConv => (Conv1d)Depthwise.Operation;

    private Conv1d PointwiseConv => (Conv1d)Pointwise.Operation;

    /// <summary>The block starting at node <paramref name="index"/> of <paramref name="graph"/>, or null when none starts there.</summary>
    public static SeparableBlock? At(ModelGraph graph, int index)
    {
        if (index + 1 >= graph.Nodes.Count) return null;
        var (depthwise, pointwise) = (graph.Nodes[index], graph.Nodes[index + 1]);
        if (depthwise.Operation is not Conv1d { Stride: 1, Dilation: 1 } d || d.Groups != d.InChannels || d.Groups != d.OutChannels
            || d.KernelSize % 2 == 0 || d.KernelSize < 3 || d.Padding != d.KernelSize / 2)
            return null;
        if (pointwise.Operation is not Conv1d { KernelSize: 1, Stride: 1, Padding: 0, Groups: 1 } p || p.InChannels != d.OutChannels)
            return null;
        if (pointwise.Inputs.Count != 1 || pointwise.Inputs[0] != depthwise.Output) return null;
        if (graph.Consumers(depthwise.Output).Count() != 1 || graph.Outputs.Any(o => o.Name == depthwise.Output)) return null;
        return new SeparableBlock(depthwise, pointwise);
    }

    /// <summary>
    /// The block as one convolution of <see cref="KSeparableTaps"/> taps: kernel [out, in, taps] (P·D, with the
    /// added end taps zero) and the bias P·b_D + b_P the whole block adds.
    /// </summary>
    public (float[] Kernel, float[] Bias) Effective(IReadOnlyDictionary<string, WeightTensor> weights)
    {
        var (c, outC, k, taps) = (Channels, OutChannels, Kernel, KSeparableTaps);
        var shift = (taps - k) / 2;
        var depthwise = weights[DepthwiseConv.Weight].Values;
        var pointwise = weights[PointwiseConv.Weight].Values;
        var kernel = new float[outC * c * taps];
        var bias = new float[outC];
        for (var o = 0; o < outC; o++)
        {
            double sum = PointwiseConv.Bias is { } pb ? weights[pb].Values[o] : 0;
            for (var i = 0; i < c; i++)
            {
                var p = pointwise[o * c + i];
                for (var t = 0; t < k; t++) kernel[(o * c + i) * taps + shift + t] = p * depthwise[i * k + t];
                if (DepthwiseConv.Bias is { } db) sum += p * weights[db].Values[i];
            }
            bias[o] = (float)sum;
        }
        return (kernel, bias);
    }

    /// <summary>The block as the dense convolution whose input patches (im2col) H is collected over.</summary>
    public GraphNode EffectiveNode() => new($"{Pointwise.Name}.effective", new Conv1d
    {
        InChannels = Channels, OutChannels = OutChannels, KernelSize = KSeparableTaps, Padding = KSeparableTaps / 2,
        Weight = $"{Pointwise.Name}.effective.weight",
    }, Depthwise.Inputs, $"{Pointwise.Name}.effective");

    /// <summary>The weights the block's two nodes read, which the rewrite replaces.</summary>
    public IEnumerable<string> WeightNames => Depthwise.Operation.WeightNames.Concat(Pointwise.Operation.WeightNames);
}
