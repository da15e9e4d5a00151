using Dipper.Tpu.Schema;

namespace Dipper.Tpu.Tests.Support;

/// <summary>
/// Models with the engines' shape contract, signal [batch, 8] → log-probabilities [batch, 2 frames, 3 classes]:
/// a dense layer to 6 values, reshaped to frames × classes, then LOG_SOFTMAX per frame (float models).
/// Weights are multiples of 1/16 and biases of 1/512 so the int8 version represents them exactly.
/// </summary>
internal static class EngineModels
{
    public const int Samples = 8;
    public const int Frames = 2;
    public const int Classes = 3;

    public static readonly float[] Weights = Enumerable.Range(0, Frames * Classes * Samples)
        .Select(i => ((i * 7 % 11) - 5) / 16f).ToArray();

    public static readonly float[] Bias = [0.25f, -0.5f, 0.125f, 1f, 0, -0.25f];

    /// <summary>float32 [batch, 8] → [batch, 2, 3] log-probabilities.</summary>
    public static byte[] Float(int batch = 2) => Build(batch, edgeTpu: false);

    /// <summary>
    /// The same network "compiled for the Edge TPU": an edgetpu-custom-op (identity in the libedgetpu test double)
    /// in front, which the CPU alone cannot run.
    /// </summary>
    public static byte[] EdgeTpu(int batch = 1) => Build(batch, edgeTpu: true);

    /// <summary>The Edge TPU model ending at the class scores, as <c>dipper compile --host-log-softmax</c> leaves it: no LOG_SOFTMAX.</summary>
    public static byte[] EdgeTpuLogits(int batch = 1) => Build(batch, edgeTpu: true, logSoftmax: false);

    public const float Int8InputScale = 1f / 32;
    public const float Int8OutputScale = 1f / 16;
    public const int Int8OutputZeroPoint = -10;

    /// <summary>int8 [batch, 8] (scale 1/32) → dense → int8 [batch, 2, 3] (scale 1/16, zero point −10); logits, no softmax.</summary>
    public static byte[] Int8(int batch = 2)
    {
        var b = new TfliteModelBuilder();
        var signal = b.Tensor("signal", TensorType.INT8, [batch, Samples], Int8InputScale, 0);
        var w = b.Constant("dense/weights", [Frames * Classes, Samples], Weights.Select(v => (sbyte)(v * 16)).ToArray(), 1f / 16, 0);
        var bias = b.Constant("dense/bias", [Frames * Classes], Bias.Select(v => (int)(v * 512)).ToArray(), Int8InputScale / 16);
        var dense = b.Tensor("dense", TensorType.INT8, [batch, Frames * Classes], Int8OutputScale, Int8OutputZeroPoint);
        var shape = b.Constant("shape", [3], [batch, Frames, Classes]);
        var logits = b.Tensor("logits", TensorType.INT8, [batch, Frames, Classes], Int8OutputScale, Int8OutputZeroPoint);
        b.Operator(BuiltinOperator.FULLY_CONNECTED, [signal, w, bias], [dense], BuiltinOptionsUnion.FromFullyConnectedOptions(new FullyConnectedOptionsT()));
        b.Operator(BuiltinOperator.RESHAPE, [dense, shape], [logits], BuiltinOptionsUnion.FromReshapeOptions(new ReshapeOptionsT { NewShape = [batch, Frames, Classes] }));
        return b.Signature([signal], [logits]).Build();
    }

    /// <summary>Reference logits of one chunk, in double precision.</summary>
    public static double[] Logits(ReadOnlySpan<float> chunk)
    {
        var logits = new double[Frames * Classes];
        for (var r = 0; r < logits.Length; r++)
        {
            double sum = Bias[r];
            for (var k = 0; k < Samples; k++) sum += Weights[r * Samples + k] * (double)chunk[k];
            logits[r] = sum;
        }
        return logits;
    }

    /// <summary>Reference log-probabilities of one chunk: log-softmax over each frame's classes.</summary>
    public static double[] LogProbs(ReadOnlySpan<float> chunk)
    {
        var logits = Logits(chunk);
        for (var f = 0; f < Frames; f++)
        {
            var frame = logits.AsSpan(f * Classes, Classes);
            var max = frame.ToArray().Max();
            var log = Math.Log(frame.ToArray().Sum(v => Math.Exp(v - max))) + max;
            for (var c = 0; c < Classes; c++) frame[c] -= log;
        }
        return logits;
    }

    /// <summary>Chunks of signal in [−2, 2), multiples of 1/32 so int8 inputs are exact.</summary>
    public static float[] Signal(int chunks, int seed = 1)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, chunks * Samples).Select(_ => random.Next(-64, 64) / 32f).ToArray();
    }

    private static byte[] Build(int batch, bool edgeTpu, bool logSoftmax = true)
    {
        var b = new TfliteModelBuilder();
        var signal = b.Tensor("signal", TensorType.FLOAT32, [batch, Samples]);
        var denseInput = signal;
        if (edgeTpu)
        {
            denseInput = b.Tensor("tpu_out", TensorType.FLOAT32, [batch, Samples]);
            b.Custom("edgetpu-custom-op", [signal], [denseInput]);
        }
        var w = b.Constant("dense/weights", [Frames * Classes, Samples], Weights);
        var bias = b.Constant("dense/bias", [Frames * Classes], Bias);
        var dense = b.Tensor("dense", TensorType.FLOAT32, [batch, Frames * Classes]);
        var shape = b.Constant("shape", [3], [batch, Frames, Classes]);
        var logits = b.Tensor("logits", TensorType.FLOAT32, [batch, Frames, Classes]);
        var logProbs = b.Tensor("logprobs", TensorType.FLOAT32, [batch, Frames, Classes]);
        b.Operator(BuiltinOperator.FULLY_CONNECTED, [denseInput, w, bias], [dense], BuiltinOptionsUnion.FromFullyConnectedOptions(new FullyConnectedOptionsT()));
        b.Operator(BuiltinOperator.RESHAPE, [dense, shape], [logits], BuiltinOptionsUnion.FromReshapeOptions(new ReshapeOptionsT { NewShape = [batch, Frames, Classes] }));
        if (!logSoftmax) return b.Signature([signal], [logits]).Build();
        b.Operator(BuiltinOperator.LOG_SOFTMAX, [logits], [logProbs], BuiltinOptionsUnion.FromLogSoftmaxOptions(new LogSoftmaxOptionsT()));
        return b.Signature([signal], [logProbs]).Build();
    }
}
