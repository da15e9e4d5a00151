using Dipper.Basecaller.Inference.Int8;

namespace Dipper.Basecaller.Inference;

/// <summary>
/// <c>ai.dipper.QLinearDepthwiseConv</c>: ONNX Runtime's channels-last <c>com.microsoft.QLinearConv</c> restricted to
/// a depthwise layer with stride 1 and "same" padding, with the same nine inputs (x, its scale and zero point; int8
/// weights [channels, 1, taps], their scales and zero point, which must be 0; the output's scale and zero point; the int32
/// bias) and output (uint8 [batch, frames, channels]), computed by <see cref="DepthwiseConvolution"/>. The ONNX engine
/// puts it in place of such layers (<see cref="DepthwiseConvolutionRewrite"/>) on a CPU the kernel runs on; its outputs
/// are ONNX Runtime's own, bit for bit.
/// </summary>
public static unsafe class DepthwiseConvolutionOperator
{
    /// <summary>The operator's name in <see cref="DipperOperators.Domain"/>.</summary>
    public const string Name = "QLinearDepthwiseConv";

    /// <summary>Inputs, in QLinearConv's order.</summary>
    public const int Inputs = 9;

    /// <summary>The operator's <c>OrtCustomOp</c>, owned by the domain that adds it.</summary>
    internal static nint Describe() => CustomOperatorTable.Allocate(Name,
        // x, its scale and zero point; the weights, their scales and zero points; the output's scale and zero point; the bias.
        [OnnxRuntimeNative.UInt8, OnnxRuntimeNative.Float, OnnxRuntimeNative.UInt8, OnnxRuntimeNative.Int8, OnnxRuntimeNative.Float,
            OnnxRuntimeNative.Int8, OnnxRuntimeNative.Float, OnnxRuntimeNative.UInt8, OnnxRuntimeNative.Int32],
        ort => new KernelState(ort));

    /// <summary>
    /// One node's kernel: the layer prepared for <see cref="DepthwiseConvolution"/> (made again only if its weights move)
    /// and the scratch it computes in, reused from call to call.
    /// </summary>
    private sealed class KernelState(OnnxRuntimeNative ort) : CustomOperatorTable.IKernel
    {
        private DepthwiseConvolution? _layer;
        private (nint Weights, nint Bias, nint WeightScales, float InScale, byte InZero, float OutScale, byte OutZero) _preparedFor;
        private short[] _pairRows = [];

        public nint Compute(nint context)
        {
            // ONNX Runtime may call one node from more than one thread when sessions share it: one call at a time.
            lock (this) return Run(context);
        }

        private nint Run(nint context)
        {
            try
            {
                var values = stackalloc nint[Inputs];
                var data = stackalloc nint[Inputs];
                nint status;
                for (var i = 0; i < Inputs; i++)
                {
                    if ((status = ort.KernelContextGetInput(context, (nuint)i, out values[i])) != 0) return status;
                    if ((status = ort.GetTensorMutableData(values[i], out data[i])) != 0) return status;
                }
                Span<long> x = stackalloc long[8];
                Span<long> w = stackalloc long[8];
                if ((status = CustomOperatorTable.Shape(ort, values[0], x, out var xRank)) != 0) return status;
                if ((status = CustomOperatorTable.Shape(ort, values[3], w, out var wRank)) != 0) return status;
                Span<long> scales = stackalloc long[8];
                if ((status = CustomOperatorTable.Shape(ort, values[4], scales, out var scalesRank)) != 0) return status;
                if (xRank != 3 || wRank != 3 || w[1] != 1 || w[0] != x[2])
                    return Fail($"input [{string.Join(", ", x[..xRank].ToArray())}] and weights [{string.Join(", ", w[..wRank].ToArray())}] are not a depthwise layer on [batch, frames, channels]");
                var (batch, frames, channels, taps) = ((int)x[0], checked((int)x[1]), (int)x[2], (int)w[2]);
                if (!DepthwiseConvolution.Fits(channels, taps)) return Fail($"{channels} channels × {taps} taps do not fit the kernel");
                var weightScales = scalesRank == 0 ? 1 : (int)scales[0];
                var weightZeros = new ReadOnlySpan<sbyte>((void*)data[5], weightScales);
                foreach (var z in weightZeros)
                    if (z != 0) return Fail("a weight zero point is not 0");

                var key = (data[3], data[8], data[4], *(float*)data[1], *(byte*)data[2], *(float*)data[6], *(byte*)data[7]);
                if (_layer is null || _layer.Channels != channels || _layer.Taps != taps || key != _preparedFor)
                {
                    _layer = new DepthwiseConvolution(new ReadOnlySpan<sbyte>((void*)data[3], channels * taps), channels, taps,
                        new ReadOnlySpan<int>((void*)data[8], channels), key.Item4, key.Item5,
                        new ReadOnlySpan<float>((void*)data[4], weightScales), key.Item6, key.Item7);
                    _preparedFor = key;
                }
                if (_pairRows.Length < _layer.PairRowValues) _pairRows = new short[_layer.PairRowValues];

                nint y;
                fixed (long* dims = x)
                    if ((status = ort.KernelContextGetOutput(context, 0, dims, 3, out y)) != 0) return status;
                if ((status = ort.GetTensorMutableData(y, out var output)) != 0) return status;
                var image = frames * channels;
                for (var n = 0; n < (frames > 0 ? batch : 0); n++)
                {
                    _layer.Run(new ReadOnlySpan<byte>((byte*)data[0] + (long)n * image, image), new Span<byte>((byte*)output + (long)n * image, image),
                        frames, _pairRows);
                }
                return 0;
            }
            catch (Exception e)
            {
                return Fail(e.Message);
            }
        }

        private nint Fail(string message) => ort.CreateStatus(OnnxRuntimeNative.Fail, $"{DipperOperators.Domain}.{Name}: {message}");
    }
}
