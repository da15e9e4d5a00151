using Dipper.Basecaller.Inference;
using Dipper.Basecaller.Models;
using Dipper.Compiler.Commands;
using Dipper.Compiler.Passes.Widening;
using Xunit.Abstractions;

namespace Dipper.Compiler.Tests.Commands;

public sealed class WidenCommandTests(ITestOutputHelper log) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("dipper-widen-").FullName;

    [Fact]
    public async Task Widened_package_calls_in_onnx_runtime_as_the_default_model_and_records_the_widening()
    {
        var packageFolder = Path.Combine(_folder, "wide");
        var (output, errors) = (new StringWriter(), new StringWriter());

        var code = await WidenCommand.RunAsync(new WidenCommand.Request(TestData.PackageFolder, 128, packageFolder, Seed: 5), output, errors, CancellationToken.None);

        log.WriteLine(output.ToString());
        log.WriteLine(errors.ToString());
        Assert.Equal(0, code);
        var package = ModelPackage.Load(packageFolder);
        var widening = package.Manifest.Provenance["widening"];
        Assert.Equal(128, widening.GetProperty("channels").GetInt32());
        Assert.Equal(5, widening.GetProperty("seed").GetInt32());
        Assert.Equal(28, widening.GetProperty("channelSets").GetArrayLength());
        Assert.All(widening.GetProperty("channelSets").EnumerateArray(), s => Assert.Equal(128 - s.GetProperty("from").GetInt32(), s.GetProperty("copied").GetArrayLength()));
        Assert.Equal(ModelWidening.PassName, package.Manifest.Provenance["passes"].EnumerateArray().Last().GetString());
        Assert.Contains("| e.encoder.7.conv.1 | 40 | 128 |", File.ReadAllText(Path.Combine(packageFolder, "report.md")));

        // ONNX Runtime, as the appliance runs it, on real chunks: the wide package's posteriors are the default model's.
        var windows = TestData.ReferenceWindows();
        var expected = Infer(ModelPackage.Load(TestData.PackageFolder), windows);
        var actual = Infer(package, windows);
        Assert.InRange(TestData.MaxAbsDifference(expected.Select(MathF.Exp).ToArray(), actual.Select(MathF.Exp).ToArray()), 0, 1e-4);
        Assert.InRange(TestData.MaxAbsDifference(expected, actual), 0, 1e-3);
    }

    [Fact]
    public async Task Fewer_channels_than_the_model_has_exit_2_naming_the_width_and_write_nothing()
    {
        var packageFolder = Path.Combine(_folder, "narrow");
        var (output, errors) = (new StringWriter(), new StringWriter());

        var code = await WidenCommand.RunAsync(new WidenCommand.Request(TestData.PackageFolder, 64, packageFolder), output, errors, CancellationToken.None);

        Assert.Equal(2, code);
        Assert.Contains("64 channels is narrower than the model", errors.ToString());
        Assert.Contains("has 80", errors.ToString());
        Assert.False(Directory.Exists(packageFolder));
    }

    private static float[] Infer(ModelPackage package, float[] windows)
    {
        using var engine = new OnnxRuntimeEngine(package, new InferenceEngineOptions { Threads = 1, Batch = 1 });
        var result = new float[windows.Length / TestData.WindowSamples * TestData.WindowFrames * TestData.Classes];
        for (var w = 0; w < windows.Length / TestData.WindowSamples; w++)
            engine.Infer(windows.AsSpan(w * TestData.WindowSamples, TestData.WindowSamples), 1,
                result.AsSpan(w * TestData.WindowFrames * TestData.Classes, TestData.WindowFrames * TestData.Classes));
        return result;
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
