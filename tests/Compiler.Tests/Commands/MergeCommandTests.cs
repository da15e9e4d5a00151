using Dipper.Basecaller.Inference;
using Dipper.Basecaller.Models;
using Dipper.Compiler.Commands;
using Dipper.Compiler.Export;
using Dipper.Compiler.Passes;
using Xunit.Abstractions;

namespace Dipper.Compiler.Tests.Commands;

public sealed class MergeCommandTests(ITestOutputHelper log) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("dipper-merge-").FullName;

    [Fact]
    public async Task Merged_package_runs_in_onnx_runtime_and_tflite_and_computes_what_the_parents_compute()
    {
        var packageFolder = Path.Combine(_folder, "merged");
        var request = new MergeCommand.Request(TestData.Checkpoint, TestData.Checkpoint, [TestData.Reads], packageFolder, Chunks: 6, ChunksPerRead: 2);
        var (output, errors) = (new StringWriter(), new StringWriter());

        var code = await MergeCommand.RunAsync(request, output, errors, CancellationToken.None);

        log.WriteLine(output.ToString());
        log.WriteLine(errors.ToString());
        Assert.Equal(0, code);
        var package = ModelPackage.Load(packageFolder);
        var merge = package.Manifest.Provenance["merge"];
        Assert.Equal(2, merge.GetProperty("parents").GetArrayLength());
        Assert.Equal(28, merge.GetProperty("channelSets").GetArrayLength());
        Assert.Equal(33, merge.GetProperty("refits").GetArrayLength());
        Assert.Equal(["fold-batchnorm", "merge-channel-selection"], package.Manifest.Provenance["passes"].EnumerateArray().Select(p => p.GetString()));
        Assert.Contains("| e.encoder.7.conv.0.conv |", File.ReadAllText(Path.Combine(packageFolder, "report.md")));

        // ONNX Runtime, as the appliance runs it: a model merged with itself calls as the model (PyTorch's log-probabilities).
        using var engine = new OnnxRuntimeEngine(package, new InferenceEngineOptions { Threads = 1, Batch = 1 });
        var windows = TestData.ReferenceWindows();
        var onnx = new float[windows.Length / TestData.WindowSamples * TestData.WindowFrames * TestData.Classes];
        for (var w = 0; w < 3; w++)
            engine.Infer(windows.AsSpan(w * TestData.WindowSamples, TestData.WindowSamples), 1,
                onnx.AsSpan(w * TestData.WindowFrames * TestData.Classes, TestData.WindowFrames * TestData.Classes));
        Assert.InRange(TestData.MaxAbsDifference(TestData.ReferenceLogProbs(), onnx), 0, 2e-3);

        // TFLite: the merged graph lowered and exported as the compiler exports every model, run by the real runtime.
        var graph = (await ModelSource.LoadAsync(packageFolder, CancellationToken.None)).Graph;
        var lowered = LowerToNhwc.Apply(LowerSwish.Apply(graph), 3, TestData.WindowSamples);
        var tflite = TfliteRunner.Run<float, float>(TfliteExporter.Export(lowered), windows);
        Assert.Equal([3, TestData.WindowFrames, TestData.Classes], tflite.OutputShape);
        Assert.InRange(TestData.MaxAbsDifference(onnx, tflite.Output), 0, 1e-3);
    }

    [Fact]
    public async Task A_missing_parent_exits_1_naming_it_and_writes_nothing()
    {
        var packageFolder = Path.Combine(_folder, "merged");
        var missing = Path.Combine(_folder, "seed2.pth");
        var request = new MergeCommand.Request(TestData.Checkpoint, missing, [TestData.Reads], packageFolder, Chunks: 2);
        var (output, errors) = (new StringWriter(), new StringWriter());

        var code = await MergeCommand.RunAsync(request, output, errors, CancellationToken.None);

        Assert.Equal(1, code);
        Assert.Contains(missing, errors.ToString());
        Assert.False(Directory.Exists(packageFolder));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
