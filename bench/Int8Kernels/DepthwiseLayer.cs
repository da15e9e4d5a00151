using Dipper.Compiler.Quantisation;

namespace Dipper.Bench.Int8Kernels;

/// <summary>A depthwise convolution with random weights, float and quantised as <see cref="PointwiseLayer"/> is.</summary>
internal sealed class DepthwiseLayer
{
    public DepthwiseLayer(int channels, int taps, Random random)
    {
        Channels = channels;
        Taps = taps;
        Weights = new float[channels * taps]; // [channels, 1, taps], PyTorch's order
        Bias = new float[channels];
        for (var i = 0; i < Weights.Length; i++) Weights[i] = (float)((random.NextDouble() * 2 - 1) * 1.7 / Math.Sqrt(taps));
        for (var c = 0; c < channels; c++) Bias[c] = (float)((random.NextDouble() * 2 - 1) * 0.3);
    }

    public int Channels { get; }
    public int Taps { get; }
    public float[] Weights { get; }
    public float[] Bias { get; }

    public DepthwiseConvolution Quantised()
    {
        var activations = PointwiseLayer.Activations;
        var q = new sbyte[Weights.Length]; // TFLite's [1, 1, taps, channels]
        var bias = new int[Channels];
        var multipliers = new QuantisedMultiplier[Channels];
        for (var c = 0; c < Channels; c++)
        {
            var row = Weights.AsSpan(c * Taps, Taps);
            var scale = Math.Max(1e-8f, row.ToArray().Max(Math.Abs) / 127f);
            for (var k = 0; k < Taps; k++) q[k * Channels + c] = (sbyte)Math.Clamp(MathF.Round(row[k] / scale), -127, 127);
            bias[c] = (int)MathF.Round(Bias[c] / (activations.Scale * scale));
            multipliers[c] = QuantisedMultiplier.From((double)activations.Scale * scale / activations.Scale);
        }
        return new DepthwiseConvolution(q, Taps, Channels, bias, multipliers.Select(m => m.Significand).ToArray(),
            multipliers.Select(m => m.Shift).ToArray(), activations.ZeroPoint, activations.ZeroPoint);
    }
}
