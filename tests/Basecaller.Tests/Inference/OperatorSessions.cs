using Dipper.Basecaller.Inference;
using Microsoft.ML.OnnxRuntime;

namespace Dipper.Basecaller.Tests.Inference;

/// <summary>Runs a small model of Dipper's operators in the real ONNX Runtime, as the ONNX engine's sessions do.</summary>
internal static class OperatorSessions
{
    /// <summary>y for x (uint8, <paramref name="shape"/>) through a model whose input is "x" and output "y".</summary>
    public static byte[] Run(byte[] model, byte[] x, long[] shape)
    {
        using var operators = new DipperOperators();
        using var options = new SessionOptions { IntraOpNumThreads = 1 };
        operators.AddTo(options);
        using var session = new InferenceSession(model, options);
        using var input = OrtValue.CreateTensorValueFromMemory(x, shape);
        using var run = new RunOptions();
        using var outputs = session.Run(run, ["x"], [input], ["y"]);
        return outputs[0].GetTensorDataAsSpan<byte>().ToArray();
    }
}
