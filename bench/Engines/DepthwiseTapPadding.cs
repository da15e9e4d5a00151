using Dipper.Tpu.Schema;
using Google.FlatBuffers;

namespace Dipper.Bench.Engines;

/// <summary>
/// A TFLite model with every depthwise kernel padded with zero taps (centred) to <see cref="Taps"/>: the same
/// arithmetic (SAME padding grows by the same zeros on each side), but a kernel size XNNPACK (as built into TFLite 2.9)
/// has a depthwise micro-kernel for. Its depthwise kernels cover exactly 3, 4, 9 or 25 taps; any other size, such as
/// the bundled model's 11, falls back to a grouped convolution over 80 groups of one channel, which measured 3.4×
/// slower for the whole network (docs/cpu-speed.md). Only for measuring what XNNPACK can do with such kernels.
/// </summary>
internal static class DepthwiseTapPadding
{
    /// <summary>XNNPACK's largest depthwise tile (5 × 5).</summary>
    public const int Taps = 25;

    /// <summary>The model's bytes with its SAME-padded, stride-1 depthwise kernels of fewer (odd) taps widened to <see cref="Taps"/>.</summary>
    public static byte[] Apply(byte[] tflite)
    {
        var model = Model.GetRootAsModel(new ByteBuffer(tflite)).UnPack();
        var graph = model.Subgraphs[0];
        foreach (var op in graph.Operators)
        {
            if (model.OperatorCodes[(int)op.OpcodeIndex].BuiltinCode != BuiltinOperator.DEPTHWISE_CONV_2D) continue;
            var options = op.BuiltinOptions.AsDepthwiseConv2DOptions();
            var filter = graph.Tensors[op.Inputs[1]];
            int taps = filter.Shape[2], channels = filter.Shape[3];
            if (options.Padding != Padding.SAME || options.StrideW != 1 || filter.Shape[1] != 1 || taps >= Taps || (Taps - taps) % 2 != 0) continue;
            var size = filter.Type == TensorType.FLOAT32 ? 4 : 1;
            var data = model.Buffers[(int)filter.Buffer].Data.ToArray();
            var padded = new byte[Taps * channels * size]; // [1, 1, taps, channels]: tap-major
            Array.Copy(data, 0, padded, (Taps - taps) / 2 * channels * size, taps * channels * size);
            model.Buffers[(int)filter.Buffer].Data = [.. padded];
            filter.Shape = [1, 1, Taps, channels];
        }
        var builder = new FlatBufferBuilder(tflite.Length + (1 << 16));
        Model.FinishModelBuffer(builder, Model.Pack(builder, model));
        return builder.SizedByteArray();
    }
}
