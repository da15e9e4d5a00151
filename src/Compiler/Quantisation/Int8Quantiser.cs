using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Lowered;

namespace Dipper.Compiler.Quantisation;

/// <summary>
/// Quantises a float <see cref="LoweredGraph"/> to int8 by TFLite's full-integer rules:
/// weights symmetric per output channel (zero point 0, scale = max|w| / 127, values in ±127);
/// activations asymmetric per tensor from their calibrated ranges; biases int32 with
/// scale = input scale × weight scale of the channel; LOGISTIC outputs at TFLite's fixed 1/256
/// and −128; PAD and RESHAPE outputs sharing their input's parameters (TFLite requires it); LOG_SOFTMAX at its fixed 16/256 and 127; int8 input and output.
/// </summary>
public static class Int8Quantiser
{
    /// <summary>Name recorded in a package's provenance when this pass ran.</summary>
    public const string PassName = "quantise-int8";

    /// <summary>TFLite's fixed quantisation of LOGISTIC outputs: [0, 1) in steps of 1/256.</summary>
    public static QuantisationParameters LogisticOutput { get; } = new(1f / 256, -128);

    /// <summary>TFLite's fixed quantisation of LOG_SOFTMAX outputs: [−16, 0] in steps of 1/16 (16/256).</summary>
    public static QuantisationParameters LogSoftmaxOutput { get; } = new(16f / 256, 127);

    /// <summary>Name recorded in a package's provenance when biases were corrected for weight rounding.</summary>
    public const string BiasCorrectionName = "bias-correction";

    /// <summary>
    /// Returns the int8 graph. <paramref name="ranges"/> gives the calibrated range of every
    /// activation by tensor name; <paramref name="input"/> is the input's quantisation (the
    /// normalised signal's clip range). With <paramref name="channelMeans"/> (each convolution
    /// input's per-channel mean over the calibration set), every bias also absorbs the mean shift
    /// its weights' rounding causes, b − Σ (w_int8·s − w)·E[x] (bias correction, Nagel et al. 2019):
    /// rounding errors do not cancel in a channel's output, they add up to an offset the next layers
    /// would carry.
    /// </summary>
    /// <exception cref="GraphException">An activation has no calibrated range.</exception>
    public static LoweredGraph Apply(LoweredGraph graph, IReadOnlyDictionary<string, ActivationRange> ranges, QuantisationParameters input,
        IReadOnlyDictionary<string, double[]>? channelMeans = null)
    {
        var tensors = graph.Tensors.ToArray();
        tensors[graph.Input] = Activation(tensors[graph.Input], input);
        foreach (var op in graph.Operators)
        {
            var x = tensors[op.FirstActivation];
            var xParameters = x.Quantisation!.Parameters;
            QuantisationParameters Calibrated()
            {
                var name = tensors[op.Output].Name;
                return ranges.TryGetValue(name, out var range)
                    ? range.Parameters
                    : throw new GraphException($"graph '{graph.Name}', operator '{op.Name}': no calibrated range for '{name}'");
            }
            switch (op.Kind)
            {
                case LoweredOpKind.Pad or LoweredOpKind.Reshape:
                    tensors[op.Output] = Activation(tensors[op.Output], xParameters);
                    break;
                case LoweredOpKind.LogSoftmax:
                    tensors[op.Output] = Activation(tensors[op.Output], LogSoftmaxOutput);
                    break;
                case LoweredOpKind.Conv2D or LoweredOpKind.DepthwiseConv2D or LoweredOpKind.TransposeConv:
                    // Filters [out, 1, k, in] (CONV_2D, TRANSPOSE_CONV) are quantised per output channel along axis 0; depthwise [1, 1, k, channels] along 3.
                    var axis = op.Kind == LoweredOpKind.DepthwiseConv2D ? 3 : 0;
                    var filter = QuantiseWeights(tensors[op.FilterInput], axis);
                    tensors[op.FilterInput] = filter;
                    // A TRANSPOSE_CONV without a bias has nothing to correct the rounding's mean shift with.
                    if (op.HasBias)
                    {
                        var bias = tensors[op.BiasInput];
                        // A transposed convolution adds k/s taps to an output frame on average, not all k: its mean shift is 1/s of the sum.
                        var share = op.Kind == LoweredOpKind.TransposeConv ? 1.0 / op.Stride : 1.0;
                        if (channelMeans is not null && channelMeans.TryGetValue(x.Name, out var means))
                            bias = CorrectBias(bias, graph.Tensors[op.FilterInput], filter, op.Kind == LoweredOpKind.DepthwiseConv2D, means, share);
                        tensors[op.BiasInput] = QuantiseBias(bias, xParameters.Scale, filter.Quantisation!.Scales);
                    }
                    tensors[op.Output] = Activation(tensors[op.Output], Calibrated());
                    break;
                case LoweredOpKind.Logistic:
                    tensors[op.Output] = Activation(tensors[op.Output], LogisticOutput);
                    break;
                case LoweredOpKind.Add or LoweredOpKind.Mul or LoweredOpKind.Relu or LoweredOpKind.Relu6:
                    tensors[op.Output] = Activation(tensors[op.Output], Calibrated());
                    break;
                default:
                    throw new GraphException($"graph '{graph.Name}', operator '{op.Name}': {op.Kind} is not quantised");
            }
        }
        return graph.WithTensors(tensors);
    }

    private static LoweredTensor Activation(LoweredTensor tensor, QuantisationParameters parameters) =>
        tensor with { Type = ElementType.Int8, Quantisation = TensorQuantisation.PerTensor(parameters) };

    /// <summary>Symmetric per-channel int8 weights along <paramref name="axis"/>, as TFLite's SymmetricPerChannelQuantization does it.</summary>
    public static LoweredTensor QuantiseWeights(LoweredTensor weights, int axis)
    {
        var values = (float[])weights.Data!;
        var channels = weights.Shape[axis];
        var inner = weights.Shape.Skip(axis + 1).Aggregate(1, (a, d) => a * d);
        var scales = new float[channels];
        foreach (var (index, value) in Indexed(values.Length, inner, channels))
            scales[index] = Math.Max(scales[index], Math.Abs(values[value]));
        for (var c = 0; c < channels; c++)
        {
            // An all-zero channel (e.g. pruned) still needs a positive scale; its values are 0 whatever it is.
            scales[c] = scales[c] > 0 ? scales[c] / 127f : 1f / 127;
        }
        var quantised = new sbyte[values.Length];
        foreach (var (channel, i) in Indexed(values.Length, inner, channels))
        {
            var q = MathF.Round(values[i] * (1f / scales[channel]), MidpointRounding.AwayFromZero);
            quantised[i] = (sbyte)Math.Clamp(q, -127, 127);
        }
        return weights with
        {
            Type = ElementType.Int8,
            Data = quantised,
            Quantisation = new TensorQuantisation(scales, new int[channels], axis),
        };
    }

    /// <summary>The float bias minus the mean output shift the quantised filter causes on inputs with the given channel means.</summary>
    private static LoweredTensor CorrectBias(LoweredTensor bias, LoweredTensor floatFilter, LoweredTensor int8Filter, bool depthwise, double[] means,
        double share)
    {
        var w = (float[])floatFilter.Data!;
        var q = (sbyte[])int8Filter.Data!;
        var scales = int8Filter.Quantisation!.Scales;
        var corrected = ((float[])bias.Data!).ToArray();
        // Dense [out, 1, k, in]: channel o is the outermost axis. Depthwise [1, 1, k, channels]: the innermost.
        var channels = corrected.Length;
        var perChannel = w.Length / channels;
        for (var o = 0; o < channels; o++)
        {
            double shift = 0;
            for (var j = 0; j < perChannel; j++)
            {
                var index = depthwise ? j * channels + o : o * perChannel + j;
                var inputChannel = depthwise ? o : j % means.Length;
                shift += ((double)q[index] * scales[o] - w[index]) * means[inputChannel];
            }
            corrected[o] = (float)(corrected[o] - shift * share);
        }
        return bias with { Data = corrected };
    }

    /// <summary>int32 biases at scale input scale × weight scale per channel, zero point 0.</summary>
    public static LoweredTensor QuantiseBias(LoweredTensor bias, float inputScale, IReadOnlyList<float> weightScales)
    {
        var values = (float[])bias.Data!;
        var scales = weightScales.Select(w => inputScale * w).ToArray();
        var quantised = new int[values.Length];
        for (var c = 0; c < values.Length; c++)
        {
            var q = Math.Round(values[c] / (double)scales[c], MidpointRounding.AwayFromZero);
            quantised[c] = (int)Math.Clamp(q, int.MinValue, int.MaxValue);
        }
        return bias with
        {
            Type = ElementType.Int32,
            Data = quantised,
            Quantisation = new TensorQuantisation(scales, new int[values.Length], 0),
        };
    }

    /// <summary>(channel, flat index) for every element of a row-major tensor whose channel axis has <paramref name="inner"/> elements below it.</summary>
    private static IEnumerable<(int Channel, int Index)> Indexed(int count, int inner, int channels)
    {
        for (var i = 0; i < count; i++) yield return (i / inner % channels, i);
    }
}
