using Dipper.Basecaller.Models;
using Dipper.Basecaller.Tests.Models;
using Dipper.Device.Commands;

namespace Dipper.Device.Tests.Commands;

/// <summary><c>dipperd activate-model</c> reports a refused package and leaves no active model behind.</summary>
public sealed class ActivateModelCommandTests : IDisposable
{
    private readonly PackageFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    [Fact]
    public void Activate_model_command_reports_refusal_with_exit_code_1()
    {
        var bad = _fixture.CopyOfDefault();
        PackageFixture.FlipByte(Path.Combine(bad, "model.onnx"));
        var output = new StringWriter();
        var errors = new StringWriter();
        var code = ActivateModelCommand.Run(bad,
            new ModelActivationOptions { ModelsRoot = _fixture.ModelsRoot, Reload = ServiceReloadMode.Never }, output, errors);
        Assert.Equal(1, code);
        Assert.Contains("active model is unchanged", errors.ToString());
        Assert.False(File.Exists(Path.Combine(_fixture.ModelsRoot, "active")) || Directory.Exists(Path.Combine(_fixture.ModelsRoot, "active")));
    }

    [Fact]
    public void Activate_model_command_refuses_a_tflite_that_tflite_cannot_run()
    {
        var bad = _fixture.CopyOf(PackageFixture.CommittedInt8, "garbled");
        var model = Path.Combine(bad, "model_int8.tflite");
        var bytes = File.ReadAllBytes(model);
        for (var i = 64; i < bytes.Length; i += 97) bytes[i] ^= 0x5a; // keep the FlatBuffer header, scramble the rest
        File.WriteAllBytes(model, bytes);
        PackageFixture.UpdateChecksum(bad, "model_int8.tflite");
        var output = new StringWriter();
        var errors = new StringWriter();

        var code = ActivateModelCommand.Run(bad, new ModelActivationOptions { ModelsRoot = _fixture.ModelsRoot, Reload = ServiceReloadMode.Never }, output, errors);

        Assert.Equal(1, code);
        Assert.Contains("model_int8.tflite", errors.ToString());
        Assert.Contains("the active model is unchanged", errors.ToString());
        Assert.False(Directory.Exists(Path.Combine(_fixture.ModelsRoot, ModelActivationOptions.ActiveLinkName)));
    }
}
