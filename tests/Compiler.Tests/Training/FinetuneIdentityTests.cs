using System.Globalization;
using System.Text.RegularExpressions;
using Dipper.Basecaller.Models;
using Dipper.Compiler.Commands;
using Dipper.Compiler.Passes.Compression;
using Xunit.Abstractions;

namespace Dipper.Compiler.Tests.Training;

/// <summary><c>dipper finetune --reference</c>: validations call the held-out reads and measure their identity with minimap2.</summary>
[Collection(LibTorchCollection.Name)]
public sealed partial class FinetuneIdentityTests(CompressedStudents students, ITestOutputHelper log) : IClassFixture<CompressedStudents>, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("dipper-finetune-identity-").FullName;

    [Fact]
    public async Task With_a_reference_each_validation_measures_basecall_identity_and_the_student_of_highest_identity_is_kept()
    {
        var packageFolder = Path.Combine(_folder, "finetuned");
        var request = new FinetuneCommand.Request(students.Package(CompressionMethod.Magnitude), TestData.PackageFolder, [TestData.Reads], packageFolder,
            Steps: 4, LearningRate: 1e-4, Batch: 2, Threads: 2, CheckpointEvery: 0, ValidateEvery: 2, ChunksPerRead: 2, ValidationEvery: 3,
            Reference: TestData.ReadsReference);
        var (code, output, _) = await FinetuneRun.RunAsync(request, log);

        Assert.Equal(0, code);
        // One identity per validation (steps 0, 2 and 4), each that of real calls of E. coli reads against their reference.
        var identities = IdentityLine().Matches(output)
            .ToDictionary(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), m => double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture) / 100);
        Assert.Equal([0, 2, 4], identities.Keys.Order());
        Assert.All(identities.Values, i => Assert.InRange(i, 0.3, 1.0)); // 50 % magnitude-pruned: about 0.49 here; an unmapped read counts 0
        var finetune = ModelPackage.Load(packageFolder).Manifest.Provenance["finetune"];
        Assert.Equal("highest held-out basecall identity", finetune.GetProperty("bestBy").GetString());
        var identity = finetune.GetProperty("identity");
        Assert.Equal(identities[0], identity.GetProperty("before").GetDouble(), 4);
        Assert.Equal(identities.Values.Max(), identity.GetProperty("best").GetDouble(), 4);
        Assert.Equal(identities.Where(i => i.Value == identities.Values.Max()).Min(i => i.Key), finetune.GetProperty("bestStep").GetInt32());
        Assert.Equal(finetune.GetProperty("data").GetProperty("validationReads").GetArrayLength(), identity.GetProperty("heldOutReads").GetInt32());
        Assert.Equal(Path.GetFileName(TestData.ReadsReference), finetune.GetProperty("reference").GetProperty("file").GetString());
    }

    [Fact]
    public void With_a_reference_but_no_minimap2_finetune_stops_before_training_names_the_debian_package_and_writes_nothing()
    {
        var output = Path.Combine(_folder, "finetuned");
        var path = Directory.CreateDirectory(Path.Combine(_folder, "bin")).FullName;

        var result = ToolProcess.Run(new Dictionary<string, string> { ["PATH"] = path },
            "finetune", "--model", students.Package(CompressionMethod.Magnitude), "--teacher", TestData.PackageFolder, "--reads", TestData.Reads,
            "--reference", TestData.ReadsReference, "-o", output, "--steps", "2", "--batch", "2", "--chunks-per-read", "1");

        log.WriteLine(result.Errors);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("minimap2, which is not on PATH", result.Errors);
        Assert.Contains("Debian package minimap2", result.Errors);
        Assert.DoesNotContain("validation at step", result.Output);
        Assert.Equal([path], Directory.GetFileSystemEntries(_folder));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [GeneratedRegex(@"validation at step (\d+): .*basecall identity ([0-9.]+) %")]
    private static partial Regex IdentityLine();
}
