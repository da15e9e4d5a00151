namespace Dipper.Bench.Int8Kernels;

/// <summary>
/// How the bench's float kernels of our own are checked before they are timed: a kernel that is fast but wrong counts
/// for nothing, so its output on one chunk is compared with the plain sum in double precision.
/// </summary>
internal static class KernelCheck
{
    /// <summary>Float activations in [−2, 2), as the bench feeds every float kernel.</summary>
    public static float[] RandomActivations(Random random, int length)
    {
        var values = new float[length];
        for (var i = 0; i < values.Length; i++) values[i] = (float)(random.NextDouble() * 4 - 2);
        return values;
    }

    /// <summary>The largest |expected − actual| over a frame-major chunk of <paramref name="frames"/> × <paramref name="channels"/> outputs.</summary>
    public static double LargestError(ReadOnlySpan<float> actual, int frames, int channels, Func<int, int, double> expected)
    {
        var worst = 0.0;
        for (var f = 0; f < frames; f++)
            for (var c = 0; c < channels; c++)
                worst = Math.Max(worst, Math.Abs(expected(f, c) - actual[f * channels + c]));
        return worst;
    }
}
