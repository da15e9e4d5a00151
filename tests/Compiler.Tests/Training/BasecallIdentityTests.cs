using Dipper.Basecaller.Models;
using Dipper.Basecaller.Signal;
using Dipper.Compiler.Commands;
using Dipper.Compiler.Labelling;
using Dipper.Compiler.Passes.Compression;
using Dipper.Compiler.Training;
using Xunit.Abstractions;

namespace Dipper.Compiler.Tests.Training;

[Collection(LibTorchCollection.Name)]
public sealed class BasecallIdentityTests(CompressedStudents students, ITestOutputHelper log) : IClassFixture<CompressedStudents>
{
    [Fact]
    public async Task The_dense_model_calls_the_test_reads_with_high_identity_and_the_pruned_model_with_lower()
    {
        TorchRuntime.Start(2);
        var manifest = ModelPackage.Load(TestData.PackageFolder).Manifest;
        var reads = new List<Read>();
        // The three smallest reads (200 k samples in all): called twice, in seconds.
        foreach (var file in SignalFile.Find([TestData.Reads]).OrderBy(f => new FileInfo(f).Length).Take(3))
        {
            await using var reader = SignalFile.Open(file);
            await foreach (var read in reader.ReadAllAsync()) reads.Add(read);
        }
        var identity = new BasecallIdentity(manifest, reads, TestData.ReadsReference, Minimap2Aligner.Locate(), threads: 2, batch: 8);

        double Measure(ModelSource source)
        {
            using var module = new GraphModule(source.Graph);
            module.eval();
            return identity.Measure(module);
        }
        var dense = Measure(await ModelSource.LoadAsync(TestData.PackageFolder, CancellationToken.None));
        var pruned = Measure(await ModelSource.LoadAsync(students.Package(CompressionMethod.Magnitude), CancellationToken.None));

        log.WriteLine($"identity over {reads.Count} reads: dense {dense:F4}, magnitude 50 % {pruned:F4}");
        // The default model's greedy calls of these reads are about 87 % identical to the reference (bench/basecall measures the same on 80 reads).
        Assert.InRange(dense, 0.8, 0.95);
        Assert.True(pruned < dense - 0.05, $"pruned {pruned} against dense {dense}");
    }
}
