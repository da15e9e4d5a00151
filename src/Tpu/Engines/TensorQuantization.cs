using Dipper.Tpu.Native;

namespace Dipper.Tpu.Engines;

/// <summary>
/// The affine 8-bit mapping of an int8/uint8 tensor, real = scale × (q − zeroPoint), done in managed code so
/// the pipeline always exchanges float32 with engines whatever the model's I/O type. Rounding is half away
/// from zero and values saturate, as TFLite's own QUANTIZE kernel does.
/// </summary>
public static class TensorQuantization
{
    /// <summary>float → int8.</summary>
    public static void Quantize(ReadOnlySpan<float> real, Span<sbyte> quantised, TfLiteQuantizationParams p)
    {
        Check(p, real.Length, quantised.Length);
        var inverse = 1f / p.Scale;
        for (var i = 0; i < real.Length; i++)
            quantised[i] = (sbyte)Math.Clamp(MathF.Round(real[i] * inverse, MidpointRounding.AwayFromZero) + p.ZeroPoint, sbyte.MinValue, sbyte.MaxValue);
    }

    /// <summary>float → uint8 (older Edge TPU models).</summary>
    public static void Quantize(ReadOnlySpan<float> real, Span<byte> quantised, TfLiteQuantizationParams p)
    {
        Check(p, real.Length, quantised.Length);
        var inverse = 1f / p.Scale;
        for (var i = 0; i < real.Length; i++)
            quantised[i] = (byte)Math.Clamp(MathF.Round(real[i] * inverse, MidpointRounding.AwayFromZero) + p.ZeroPoint, byte.MinValue, byte.MaxValue);
    }

    /// <summary>int8 → float.</summary>
    public static void Dequantize(ReadOnlySpan<sbyte> quantised, Span<float> real, TfLiteQuantizationParams p)
    {
        Check(p, quantised.Length, real.Length);
        for (var i = 0; i < quantised.Length; i++) real[i] = p.Scale * (quantised[i] - p.ZeroPoint);
    }

    /// <summary>uint8 → float.</summary>
    public static void Dequantize(ReadOnlySpan<byte> quantised, Span<float> real, TfLiteQuantizationParams p)
    {
        Check(p, quantised.Length, real.Length);
        for (var i = 0; i < quantised.Length; i++) real[i] = p.Scale * (quantised[i] - p.ZeroPoint);
    }

    private static void Check(TfLiteQuantizationParams p, int from, int to)
    {
        if (!(p.Scale > 0) || !float.IsFinite(p.Scale))
            throw new ArgumentException($"quantisation scale must be positive and finite, not {p.Scale}");
        if (to < from) throw new ArgumentException($"destination holds {to} values, source has {from}");
    }
}
