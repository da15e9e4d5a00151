using Dipper.Basecaller.Inference.Int8;
using Dipper.Compiler.Quantisation;

namespace Dipper.Bench.Int8Kernels;

/// <summary>
/// A 1×1 convolution with random weights, in float (for ONNX Runtime) and quantised as <c>dipper compile</c> quantises
/// (per-channel symmetric int8 weights, int32 bias at input scale × weight scale, TFLite's multipliers), so both sides
/// of the bench run the same layer. Weight spread 1/√in, as a trained layer's; activations of scale 0.05 (±6).
/// </summary>
internal sealed class PointwiseLayer
{
    public PointwiseLayer(int inChannels, int outChannels, Random random)
    {
        InChannels = inChannels;
        OutChannels = outChannels;
        Weights = new float[outChannels * inChannels];
        Bias = new float[outChannels];
        for (var i = 0; i < Weights.Length; i++) Weights[i] = (float)((random.NextDouble() * 2 - 1) * 1.7 / Math.Sqrt(inChannels));
        for (var o = 0; o < outChannels; o++) Bias[o] = (float)((random.NextDouble() * 2 - 1) * 0.3);
    }

    public int InChannels { get; }
    public int OutChannels { get; }
    public float[] Weights { get; }
    public float[] Bias { get; }

    public static QuantisationParameters Activations { get; } = QuantisationParameters.ForRange(-6f, 6.5f);

    /// <summary>The int8 kernel of this layer, from <see cref="Activations"/> to <see cref="Activations"/>.</summary>
    public PointwiseConvolution Quantised()
    {
        var q = new sbyte[Weights.Length];
        var bias = new int[OutChannels];
        var multipliers = new QuantisedMultiplier[OutChannels];
        for (var o = 0; o < OutChannels; o++)
        {
            var row = Weights.AsSpan(o * InChannels, InChannels);
            var scale = Math.Max(1e-8f, row.ToArray().Max(Math.Abs) / 127f);
            for (var i = 0; i < InChannels; i++) q[o * InChannels + i] = (sbyte)Math.Clamp(MathF.Round(row[i] / scale), -127, 127);
            bias[o] = (int)MathF.Round(Bias[o] / (Activations.Scale * scale));
            multipliers[o] = QuantisedMultiplier.From((double)Activations.Scale * scale / Activations.Scale);
        }
        return new PointwiseConvolution(q, OutChannels, InChannels, bias, multipliers.Select(m => m.Significand).ToArray(),
            multipliers.Select(m => m.Shift).ToArray(), Activations.ZeroPoint, Activations.ZeroPoint);
    }
}
