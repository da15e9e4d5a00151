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

    [Fact]
    public void Activate_model_command_activates_a_pooled_package()
    {
        var pooled = _fixture.CopyOf(PackageFixture.CommittedPooled, "pooled");
        var output = new StringWriter();
        var errors = new StringWriter();

        var code = ActivateModelCommand.Run(pooled, new ModelActivationOptions { ModelsRoot = _fixture.ModelsRoot, Reload = ServiceReloadMode.Never }, output, errors);

        Assert.True(code == 0, errors.ToString());
        Assert.Contains("sbonito_80_bb_swish is active as", output.ToString());
        var active = ModelPackage.Load(Path.Combine(_fixture.ModelsRoot, ModelActivationOptions.ActiveLinkName));
        Assert.NotNull(active.Manifest.Pooling);
        Assert.True(File.Exists(active.BeforePoolingPath) && File.Exists(active.AfterPoolingPath));
    }

    [Theory]
    [InlineData("flipped bit")]
    [InlineData("truncated, checksum updated")]
    public void Activate_model_command_refuses_a_pooled_package_with_a_corrupted_part_and_keeps_the_active_model(string damage)
    {
        var options = new ModelActivationOptions { ModelsRoot = _fixture.ModelsRoot, Reload = ServiceReloadMode.Never };
        Assert.Equal(0, ActivateModelCommand.Run(_fixture.CopyOfDefault("plain"), options, TextWriter.Null, TextWriter.Null));
        var activeLink = Path.Combine(_fixture.ModelsRoot, ModelActivationOptions.ActiveLinkName);
        var activeBefore = Directory.ResolveLinkTarget(activeLink, returnFinalTarget: true)!.FullName;
        var pooled = _fixture.CopyOf(PackageFixture.CommittedPooled, "pooled");
        var part = Path.Combine(pooled, "after-pooling.onnx");
        if (damage == "flipped bit")
        {
            PackageFixture.FlipByte(part);
        }
        else
        {
            File.WriteAllBytes(part, File.ReadAllBytes(part)[..(int)(new FileInfo(part).Length / 2)]);
            PackageFixture.UpdateChecksum(pooled, "after-pooling.onnx");
        }
        var errors = new StringWriter();

        var code = ActivateModelCommand.Run(pooled, options, TextWriter.Null, errors);

        Assert.Equal(1, code);
        Assert.Contains("after-pooling.onnx", errors.ToString());
        Assert.Contains("the active model is unchanged", errors.ToString());
        Assert.Equal(activeBefore, Directory.ResolveLinkTarget(activeLink, returnFinalTarget: true)!.FullName);
        Assert.Null(ModelPackage.Load(activeLink).Manifest.Pooling);
    }
}
