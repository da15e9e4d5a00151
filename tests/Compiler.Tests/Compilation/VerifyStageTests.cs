using Dipper.Compiler.Commands;
using Dipper.Compiler.Compilation;
using Dipper.Compiler.Verification;

namespace Dipper.Compiler.Tests.Compilation;

public sealed class VerifyStageTests
{
    private static Agreement Measured(string engine, double frames, double identity) => new(engine, 2, 1200, 0.5, 0.01, frames, identity, identity - 0.01);

    private static readonly Agreement[] Agreements =
    [
        Measured("tflite model_int8.tflite", 0.90, 0.95),
        Measured("onnx model_int8.onnx", 0.80, 0.97),
        Measured("tflite model_float.tflite", 0.99, 0.99),
    ];

    [Theory]
    [InlineData(CompileTarget.EdgeTpu, 0.92, 0.85, "tflite model_int8.tflite", true)]
    [InlineData(CompileTarget.EdgeTpu, 0.96, 0.85, "tflite model_int8.tflite", false)] // identity short
    [InlineData(CompileTarget.Cpu, 0.92, 0.85, "onnx model_int8.onnx", false)] // frame agreement short
    [InlineData(CompileTarget.Cpu, 0.92, 0.80, "onnx model_int8.onnx", true)] // exactly at the threshold passes
    public void The_targets_int8_model_is_the_gate_and_fails_below_either_threshold(CompileTarget target, double minIdentity, double minFrames,
        string gateEngine, bool passes)
    {
        var settings = CalibrateStageTests.Settings with { Target = target, MinIdentity = minIdentity, MinFrameAgreement = minFrames };

        var (gate, passed) = VerifyStage.Gate(Agreements, settings);

        Assert.Equal((gateEngine, passes), (gate.Engine, passed));
    }

    [Fact]
    public void Provenance_records_every_engine_with_its_measures_rounded()
    {
        var json = VerifyStage.Provenance([Measured("tflite model_int8.tflite", 0.9123456, 0.9512345)]);

        var int8 = json.GetProperty("tflite model_int8.tflite");
        Assert.Equal((2, 1200), (int8.GetProperty("reads").GetInt32(), int8.GetProperty("frames").GetInt32()));
        Assert.Equal((0.91235, 0.95123), (int8.GetProperty("frameAgreement").GetDouble(), int8.GetProperty("basecallIdentity").GetDouble()));
    }
}
