namespace Dipper.Compiler.Quantisation;

/// <summary>
/// How an int8 tensor stands for real numbers: real = Scale × (q − ZeroPoint). The affine scheme
/// TFLite, ONNX QDQ and the Edge TPU share, so one set of parameters describes a tensor in every
/// exported file.
/// </summary>
/// <param name="Scale">Real value of one step (positive).</param>
/// <param name="ZeroPoint">The integer that stands for real 0, in [−128, 127].</param>
public readonly record struct QuantisationParameters(float Scale, int ZeroPoint)
{
    /// <summary>Smallest int8 value.</summary>
    public const int Min = sbyte.MinValue;

    /// <summary>Largest int8 value.</summary>
    public const int Max = sbyte.MaxValue;

    /// <summary>
    /// Asymmetric int8 parameters for values in [<paramref name="min"/>, <paramref name="max"/>],
    /// chosen exactly as TFLite's converter does: the range is widened to include 0 (so zero
    /// padding and ReLU are exact), scale = (max − min) / 255, and the zero point is rounded from
    /// whichever end gives the smaller error, then clamped to [−128, 127]. Float arithmetic
    /// throughout, as the converter computes it, so the files match what TensorFlow would write.
    /// </summary>
    /// <exception cref="ArgumentException">The range is not finite or min exceeds max.</exception>
    public static QuantisationParameters ForRange(float min, float max)
    {
        if (!float.IsFinite(min) || !float.IsFinite(max) || min > max)
            throw new ArgumentException($"cannot quantise the range [{min}, {max}]");
        min = Math.Min(min, 0f);
        max = Math.Max(max, 0f);
        if (min == max) return new QuantisationParameters(1f, 0); // all zeros: any scale represents them
        const float qmin = Min, qmax = Max;
        var scale = (max - min) / (qmax - qmin);
        var fromMin = qmin - min / scale;
        var fromMax = qmax - max / scale;
        var fromMinError = Math.Abs(qmin) + Math.Abs(min / scale);
        var fromMaxError = Math.Abs(qmax) + Math.Abs(max / scale);
        var zeroPoint = fromMinError < fromMaxError ? fromMin : fromMax;
        var nudged = zeroPoint <= qmin ? Min
            : zeroPoint >= qmax ? Max
            : (int)MathF.Round(zeroPoint, MidpointRounding.AwayFromZero);
        return new QuantisationParameters(scale, nudged);
    }

    /// <summary>The int8 code nearest to <paramref name="real"/> (ties away from zero), saturated.</summary>
    public sbyte Quantise(float real)
    {
        var q = MathF.Round(real / Scale, MidpointRounding.AwayFromZero) + ZeroPoint;
        return (sbyte)Math.Clamp(q, Min, Max);
    }

    /// <summary>The real value an int8 code stands for.</summary>
    public float Dequantise(int q) => Scale * (q - ZeroPoint);

    /// <summary>Smallest real value the tensor can hold.</summary>
    public float RealMin => Dequantise(Min);

    /// <summary>Largest real value the tensor can hold.</summary>
    public float RealMax => Dequantise(Max);

    /// <inheritdoc />
    public override string ToString() =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"scale {Scale:G6}, zero point {ZeroPoint}");
}
