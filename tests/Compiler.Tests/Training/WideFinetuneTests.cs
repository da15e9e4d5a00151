using Dipper.Basecaller.Models;
using Dipper.Compiler.Commands;
using Xunit.Abstractions;

namespace Dipper.Compiler.Tests.Training;

[Collection(LibTorchCollection.Name)]
public sealed class WideFinetuneTests(ITestOutputHelper log) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("dipper-wide-finetune-").FullName;

    [Fact]
    public async Task A_widened_student_starts_as_its_teacher_and_ten_steps_with_batchnorm_write_a_package_of_its_width()
    {
        var wide = await WidenAsync(96);
        var packageFolder = Path.Combine(_folder, "wide-finetuned");
        // Batches of 4: BatchNorm normalises by the batch, and 2 chunks are too few for its statistics.
        var request = new FinetuneCommand.Request(wide, TestData.PackageFolder, [TestData.Reads], packageFolder, Steps: 10, LearningRate: 1e-4, Batch: 4,
            Threads: 2, CheckpointEvery: 0, ValidateEvery: 5, ChunksPerRead: 2, ValidationEvery: 3, BatchNorm: true);
        var (code, _, _) = await FinetuneRun.RunAsync(request, log);

        Assert.Equal(0, code);
        var finetune = ModelPackage.Load(packageFolder).Manifest.Provenance["finetune"];
        // Before any step the wide student is its teacher's own function: no held-out KL, every frame agrees.
        Assert.InRange(finetune.GetProperty("losses").GetProperty("validationBefore").GetDouble(), 0, 1e-4);
        Assert.Equal(1, finetune.GetProperty("frameAgreement").GetProperty("before").GetDouble(), 4);
        Assert.Equal(10, finetune.GetProperty("steps").GetInt32());
        // The package written keeps the student's width and layers; ten steps on 14 chunks need not beat the start
        // (then the start is kept), so the weights are only required to be the wide ones.
        var (start, trained) = ((await ModelSource.LoadAsync(wide, CancellationToken.None)).Graph, (await ModelSource.LoadAsync(packageFolder, CancellationToken.None)).Graph);
        Assert.Equal(start.Nodes.Select(n => (n.Name, n.Operation.Kind)), trained.Nodes.Select(n => (n.Name, n.Operation.Kind)));
        Assert.Equal(start.Shapes.Select(s => (s.Key, s.Value.ToString())), trained.Shapes.Select(s => (s.Key, s.Value.ToString())));
        Assert.Equal("[batch, 96, ?]", trained.Shapes["e.encoder.0.act"].ToString());
    }

    [Fact]
    public async Task Layer_matching_a_widened_student_is_refused_before_any_read_is_loaded_naming_the_shapes()
    {
        var wide = await WidenAsync(96);
        var packageFolder = Path.Combine(_folder, "wide-matched");
        var request = new FinetuneCommand.Request(wide, TestData.PackageFolder, [Path.Combine(_folder, "no-such-reads")], packageFolder, Steps: 2, Batch: 2,
            Threads: 1, CheckpointEvery: 0, MatchLayers: 1);
        var (code, _, errors) = await FinetuneRun.RunAsync(request, log);

        Assert.Equal(2, code);
        Assert.Contains("differ in shape", errors);
        Assert.Contains("96", errors);
        Assert.Contains("fine-tune without --match-layers", errors);
        Assert.DoesNotContain("no-such-reads", errors);
        Assert.False(Directory.Exists(packageFolder));
    }

    private async Task<string> WidenAsync(int channels)
    {
        var folder = Path.Combine(_folder, $"wide{channels}");
        var code = await WidenCommand.RunAsync(new WidenCommand.Request(TestData.PackageFolder, channels, folder), TextWriter.Null, TextWriter.Null, CancellationToken.None);
        Assert.Equal(0, code);
        return folder;
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
