namespace Dipper.Bench.Int8Kernels;

/// <summary>A depthwise convolution with random weights, in float.</summary>
internal sealed class DepthwiseLayer
{
    public DepthwiseLayer(int channels, int taps, Random random)
    {
        Weights = new float[channels * taps]; // [channels, 1, taps], PyTorch's order
        Bias = new float[channels];
        for (var i = 0; i < Weights.Length; i++) Weights[i] = (float)((random.NextDouble() * 2 - 1) * 1.7 / Math.Sqrt(taps));
        for (var c = 0; c < channels; c++) Bias[c] = (float)((random.NextDouble() * 2 - 1) * 0.3);
    }

    public float[] Weights { get; }
    public float[] Bias { get; }
}
