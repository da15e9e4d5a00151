namespace Dipper.Compiler.Quantisation;

/// <summary>
/// TFLite's int8 reference kernels (reference_integer_ops and the int8 paths of ADD, MUL,
/// LOGISTIC, PAD and RELU), operation for operation: int32 accumulation of (input − zero point) ×
/// weight, the int32 bias, requantisation with <see cref="FixedPoint"/>, the output zero point and
/// saturation. Activations are NHWC [1, rows, time, channels].
/// </summary>
internal static class Int8Kernels
{
    /// <summary>Per-output-channel requantisation of a convolution, computed as TFLite's PopulateConvolutionQuantizationParams does.</summary>
    public static QuantisedMultiplier[] ConvolutionMultipliers(float inputScale, IReadOnlyList<float> filterScales, float outputScale) =>
        filterScales.Select(f => QuantisedMultiplier.From((double)inputScale * f / outputScale)).ToArray();

    /// <summary>CONV_2D with a 1 × k kernel, per-channel filter [out, 1, k, in].</summary>
    public static void Conv(ReadOnlySpan<sbyte> input, int rows, int inLength, int inChannels, int inZeroPoint,
        ReadOnlySpan<sbyte> filter, int kernel, ReadOnlySpan<int> bias, QuantisedMultiplier[] multipliers,
        Span<sbyte> output, int outLength, int outChannels, int outZeroPoint, int stride, int dilation, int padBefore, TieRounding ties)
    {
        for (var r = 0; r < rows; r++)
        {
            for (var t = 0; t < outLength; t++)
            {
                for (var o = 0; o < outChannels; o++)
                {
                    var acc = 0;
                    for (var tap = 0; tap < kernel; tap++)
                    {
                        var at = t * stride + tap * dilation - padBefore;
                        if (at < 0 || at >= inLength) continue; // padding: as if the input were its zero point
                        var x = input.Slice((r * inLength + at) * inChannels, inChannels);
                        var w = filter.Slice((o * kernel + tap) * inChannels, inChannels);
                        for (var i = 0; i < inChannels; i++) acc += w[i] * (x[i] - inZeroPoint);
                    }
                    output[(r * outLength + t) * outChannels + o] = Requantise(acc + bias[o], multipliers[o], outZeroPoint, ties);
                }
            }
        }
    }

    /// <summary>
    /// DEPTHWISE_CONV_2D with depth multiplier 1 and a 1 × k kernel, per-channel filter [1, 1, k, channels]; requantised
    /// with ties away from zero (x86-64, TFLite's reference kernels), but the first <paramref name="upwardChannels"/>
    /// channels with ties upward: on arm64 TFLite's output stage takes the channels 8 at a time with NEON (vqrdmulh,
    /// then vrshl, whose ties go up) and the rest one by one (ties away from zero).
    /// </summary>
    public static void Depthwise(ReadOnlySpan<sbyte> input, int rows, int inLength, int channels, int inZeroPoint,
        ReadOnlySpan<sbyte> filter, int kernel, ReadOnlySpan<int> bias, QuantisedMultiplier[] multipliers,
        Span<sbyte> output, int outLength, int outZeroPoint, int stride, int dilation, int padBefore, int upwardChannels)
    {
        for (var r = 0; r < rows; r++)
        {
            for (var t = 0; t < outLength; t++)
            {
                for (var c = 0; c < channels; c++)
                {
                    var acc = 0;
                    for (var tap = 0; tap < kernel; tap++)
                    {
                        var at = t * stride + tap * dilation - padBefore;
                        if (at < 0 || at >= inLength) continue;
                        acc += filter[tap * channels + c] * (input[(r * inLength + at) * channels + c] - inZeroPoint);
                    }
                    output[(r * outLength + t) * channels + c] = Requantise(acc + bias[c], multipliers[c], outZeroPoint,
                        c < upwardChannels ? TieRounding.Upward : TieRounding.AwayFromZero);
                }
            }
        }
    }

    /// <summary>
    /// TRANSPOSE_CONV with a 1 × k kernel, per-channel filter [out, 1, k, in], bias [out] or none: input frame t adds
    /// w·(x − zero point) to output frame t·stride + tap − padBefore, in int32, and each output is then biased and
    /// requantised. TFLite's reference and optimised int8 kernels both requantise with gemmlowp's rounding (ties away
    /// from zero); that the arm64 kernel does too is read from TFLite's source, not measured.
    /// </summary>
    public static void TransposeConv(ReadOnlySpan<sbyte> input, int rows, int inLength, int inChannels, int inZeroPoint,
        ReadOnlySpan<sbyte> filter, int kernel, ReadOnlySpan<int> bias, QuantisedMultiplier[] multipliers,
        Span<sbyte> output, int outLength, int outChannels, int outZeroPoint, int stride, int padBefore)
    {
        var sums = new int[outLength * outChannels];
        for (var r = 0; r < rows; r++)
        {
            Array.Clear(sums);
            for (var t = 0; t < inLength; t++)
            {
                var x = input.Slice((r * inLength + t) * inChannels, inChannels);
                for (var tap = 0; tap < kernel; tap++)
                {
                    var at = t * stride + tap - padBefore;
                    if (at < 0 || at >= outLength) continue;
                    for (var o = 0; o < outChannels; o++)
                    {
                        var w = filter.Slice((o * kernel + tap) * inChannels, inChannels);
                        var acc = 0;
                        for (var i = 0; i < inChannels; i++) acc += w[i] * (x[i] - inZeroPoint);
                        sums[at * outChannels + o] += acc;
                    }
                }
            }
            for (var j = 0; j < sums.Length; j++)
            {
                var o = j % outChannels;
                output[r * outLength * outChannels + j] = Requantise(sums[j] + (bias.IsEmpty ? 0 : bias[o]), multipliers[o], outZeroPoint,
                    TieRounding.AwayFromZero);
            }
        }
    }

    private static sbyte Requantise(int acc, QuantisedMultiplier multiplier, int outZeroPoint, TieRounding ties) =>
        Saturate(FixedPoint.MultiplyByQuantisedMultiplier(acc, multiplier, ties) + outZeroPoint);

    /// <summary>Clamps to the int8 range (the range of an operator without fused activation).</summary>
    public static sbyte Saturate(int value) => (sbyte)Math.Clamp(value, sbyte.MinValue, sbyte.MaxValue);

    /// <summary>ADD: both operands rescaled to a common scale with 20 bits of headroom, summed, rescaled to the output.</summary>
    public static void Add(ReadOnlySpan<sbyte> a, QuantisationParameters pa, ReadOnlySpan<sbyte> b, QuantisationParameters pb,
        Span<sbyte> output, QuantisationParameters po)
    {
        const int leftShift = 20;
        // float × int → float, as in the C++ (2 * std::max(float, float)).
        double twiceMaxInputScale = 2 * Math.Max(pa.Scale, pb.Scale);
        var ma = QuantisedMultiplier.From(pa.Scale / twiceMaxInputScale);
        var mb = QuantisedMultiplier.From(pb.Scale / twiceMaxInputScale);
        var mo = QuantisedMultiplier.From(twiceMaxInputScale / ((1 << leftShift) * (double)po.Scale));
        for (var i = 0; i < output.Length; i++)
        {
            var x = FixedPoint.MultiplyByQuantisedMultiplier((a[i] - pa.ZeroPoint) * (1 << leftShift), ma);
            var y = FixedPoint.MultiplyByQuantisedMultiplier((b[i] - pb.ZeroPoint) * (1 << leftShift), mb);
            output[i] = Saturate(FixedPoint.MultiplyByQuantisedMultiplier(x + y, mo) + po.ZeroPoint);
        }
    }

    /// <summary>MUL: the product of the offset operands, rescaled by s_a·s_b/s_out (computed in float, as the C++ does).</summary>
    public static void Mul(ReadOnlySpan<sbyte> a, QuantisationParameters pa, ReadOnlySpan<sbyte> b, QuantisationParameters pb,
        Span<sbyte> output, QuantisationParameters po)
    {
        var real = pa.Scale * pb.Scale / po.Scale;
        var m = QuantisedMultiplier.From(real);
        for (var i = 0; i < output.Length; i++)
            output[i] = Saturate(FixedPoint.MultiplyByQuantisedMultiplier((a[i] - pa.ZeroPoint) * (b[i] - pb.ZeroPoint), m) + po.ZeroPoint);
    }

    /// <summary>
    /// LOGISTIC through a 256-entry table of σ over every int8 input, built in float as TFLite's
    /// optimised kernel builds it (PopulateLookupTable).
    /// </summary>
    public static sbyte[] LogisticTable(QuantisationParameters input, QuantisationParameters output)
    {
        var table = new sbyte[256];
        var inverseScale = 1f / output.Scale;
        for (var q = sbyte.MinValue; q <= sbyte.MaxValue; q++)
        {
            var x = input.Scale * (q - input.ZeroPoint);
            var y = 1f / (1f + MathF.Exp(-x));
            var rescaled = MathF.Round(y * inverseScale, MidpointRounding.AwayFromZero);
            table[(byte)q] = Saturate((int)(rescaled + output.ZeroPoint));
            if (q == sbyte.MaxValue) break;
        }
        return table;
    }

    /// <summary>Looks every value up in a 256-entry table indexed by the int8 bits.</summary>
    public static void Lookup(ReadOnlySpan<sbyte> input, sbyte[] table, Span<sbyte> output)
    {
        for (var i = 0; i < input.Length; i++) output[i] = table[(byte)input[i]];
    }

    /// <summary>RELU / RELU6: rescale to the output's parameters, then clamp at the quantised 0 (and 6).</summary>
    public static void Relu(ReadOnlySpan<sbyte> input, QuantisationParameters pi, Span<sbyte> output, QuantisationParameters po, float? upper)
    {
        var m = QuantisedMultiplier.From(pi.Scale / po.Scale); // float division, as the C++
        var low = Math.Max(sbyte.MinValue, po.ZeroPoint);
        var high = upper is { } u
            ? Math.Min(sbyte.MaxValue, po.ZeroPoint + (int)MathF.Round(u / po.Scale, MidpointRounding.AwayFromZero))
            : sbyte.MaxValue;
        for (var i = 0; i < input.Length; i++)
        {
            var v = po.ZeroPoint + FixedPoint.MultiplyByQuantisedMultiplier(input[i] - pi.ZeroPoint, m);
            output[i] = (sbyte)Math.Clamp(v, low, high);
        }
    }

    /// <summary>
    /// LOG_SOFTMAX over the last axis, computed in double on the dequantised input and rounded to
    /// the output grid. TFLite's integer kernel approximates exp and log in fixed point, so this
    /// agrees with the runtime to within a step, not to the bit.
    /// </summary>
    public static void LogSoftmax(ReadOnlySpan<sbyte> input, QuantisationParameters pi, int classes, Span<sbyte> output, QuantisationParameters po)
    {
        for (var start = 0; start < input.Length; start += classes)
        {
            var max = double.NegativeInfinity;
            for (var c = 0; c < classes; c++) max = Math.Max(max, pi.Dequantise(input[start + c]));
            var sum = 0.0;
            for (var c = 0; c < classes; c++) sum += Math.Exp(pi.Dequantise(input[start + c]) - max);
            for (var c = 0; c < classes; c++)
            {
                var logProb = pi.Dequantise(input[start + c]) - max - Math.Log(sum);
                output[start + c] = Saturate((int)Math.Round(logProb / po.Scale, MidpointRounding.AwayFromZero) + po.ZeroPoint);
            }
        }
    }

    /// <summary>PAD along time with the output's zero point (real 0).</summary>
    public static void Pad(ReadOnlySpan<sbyte> input, int rows, int inLength, int channels, int before, int after,
        Span<sbyte> output, sbyte zero)
    {
        var outLength = inLength + before + after;
        output.Fill(zero);
        for (var r = 0; r < rows; r++)
            input.Slice(r * inLength * channels, inLength * channels).CopyTo(output.Slice((r * outLength + before) * channels));
    }
}
