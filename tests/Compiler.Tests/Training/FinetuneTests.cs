using System.Collections.Concurrent;
using Dipper.Basecaller.Inference;
using Dipper.Basecaller.Models;
using Dipper.Basecaller.Output;
using Dipper.Basecaller.Pipeline;
using Dipper.Compiler.Commands;
using Dipper.Compiler.Passes.Compression;
using Xunit.Abstractions;

namespace Dipper.Compiler.Tests.Training;

[Collection(LibTorchCollection.Name)]
public sealed class FinetuneTests(CompressedStudents students, ITestOutputHelper log) : IClassFixture<CompressedStudents>, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("dipper-finetune-").FullName;

    [Theory]
    [InlineData(CompressionMethod.Magnitude, 1e-4)]
    [InlineData(CompressionMethod.Dsf, 1e-5)] // DSF starts much closer to the teacher; 1e-4 and above overshoot it in 20 steps

    public async Task Twenty_steps_of_distillation_lower_the_held_out_loss_keep_every_zero_and_the_package_calls_reads(CompressionMethod method, double learningRate)
    {
        var student = students.Package(method);
        var packageFolder = Path.Combine(_folder, "finetuned");
        var request = new FinetuneCommand.Request(student, TestData.PackageFolder, [TestData.Reads], packageFolder, Steps: 20, LearningRate: learningRate, Batch: 2,
            Threads: 2, CheckpointEvery: 0, ValidateEvery: 10, ChunksPerRead: 2, ValidationEvery: 3);

        var package = await FinetuneAsync(request);
        var finetune = package.Manifest.Provenance["finetune"];
        var losses = finetune.GetProperty("losses");
        Assert.True(losses.GetProperty("lastValidation").GetDouble() < losses.GetProperty("validationBefore").GetDouble(),
            $"held-out KL went from {losses.GetProperty("validationBefore")} to {losses.GetProperty("lastValidation")}");
        Assert.Equal(20, finetune.GetProperty("steps").GetInt32());
        Assert.False(finetune.GetProperty("trainingBatchNorm").GetBoolean());
        Assert.True(finetune.GetProperty("bestStep").GetInt32() > 0);
        Assert.Equal(losses.GetProperty("bestValidation").GetDouble(), losses.GetProperty("lastValidation").GetDouble(), 6);
        Assert.Equal(["fold-batchnorm", method == CompressionMethod.Dsf ? "factorize-dsf" : "prune-magnitude", FinetuneCommand.PassName],
            package.Manifest.Provenance["passes"].EnumerateArray().Select(p => p.GetString()));
        Assert.Equal(10, finetune.GetProperty("data").GetProperty("files").GetArrayLength());
        Assert.Equal(64, finetune.GetProperty("data").GetProperty("files")[0].GetProperty("sha256").GetString()!.Length);
        Assert.False(File.Exists(FinetuneCommand.CheckpointPath(packageFolder)));

        // Every zero of the compressed model (pruned weights, DSF's sparse factors) is still zero; the other weights trained.
        var zeros = await TrainedWeights.ZerosKeptAndOthersTrainedAsync(student, packageFolder, $"the {method} student");
        Assert.Equal(zeros, finetune.GetProperty("maskedZeros").GetInt64());

        // The student's class offsets bring its greedy calls on the validation chunks to the teacher's count.
        var callRates = finetune.GetProperty("callRates");
        long Calls(string name) => callRates.GetProperty(name).EnumerateArray().Sum(c => c.GetInt64());
        Assert.True(Math.Abs(Calls("callsAfter") - Calls("teacherCalls")) <= Math.Abs(Calls("callsBefore") - Calls("teacherCalls")));
        Assert.InRange(Calls("callsAfter"), 0.98 * Calls("teacherCalls"), 1.02 * Calls("teacherCalls"));

        // The result is a package like any other: the appliance's pipeline calls reads with it.
        await AssertCallsReadsAsync(package);
    }

    [Fact]
    public async Task Training_with_batchnorm_and_base_frames_weighted_writes_the_dsf_student_folded_with_every_zero_and_a_package_that_calls_reads()
    {
        var student = students.Package(CompressionMethod.Dsf);
        var packageFolder = Path.Combine(_folder, "finetuned-batchnorm");
        // Batches of 4: BatchNorm normalises by the batch, and 2 chunks are too few for its statistics.
        var request = new FinetuneCommand.Request(student, TestData.PackageFolder, [TestData.Reads], packageFolder, Steps: 10, LearningRate: 1e-4, Batch: 4,
            Threads: 2, CheckpointEvery: 0, ValidateEvery: 5, ChunksPerRead: 2, ValidationEvery: 3, BatchNorm: true, BaseFrameWeight: 3);

        var package = await FinetuneAsync(request);
        Assert.True(package.Manifest.Provenance["finetune"].GetProperty("trainingBatchNorm").GetBoolean());
        Assert.Equal("per-frame KL of the output, frames weighted 1 + 2 × the teacher's probability of a base",
            package.Manifest.Provenance["finetune"].GetProperty("loss").GetString());
        // The BatchNorms trained with are folded away: the package has the student's layers, no more, with every zero kept.
        Assert.Equal((await ModelSource.LoadAsync(student, CancellationToken.None)).Graph.Nodes.Select(n => (n.Name, n.Operation.Kind)),
            (await ModelSource.LoadAsync(packageFolder, CancellationToken.None)).Graph.Nodes.Select(n => (n.Name, n.Operation.Kind)));
        // Ten steps on 14 chunks need not beat the start (then the start is kept), so only the zeros are asserted here.
        await TrainedWeights.ZerosKeptAndOthersTrainedAsync(student, packageFolder, "the DSF student trained with BatchNorm", changedAtLeast: 0);
        await AssertCallsReadsAsync(package);
    }

    [Fact]
    public async Task A_fresh_student_trains_with_normalising_batchnorm_after_a_warmup_and_is_written_folded_and_recorded()
    {
        var packageFolder = Path.Combine(_folder, "fresh");
        var request = new FinetuneCommand.Request(TestData.PackageFolder, TestData.PackageFolder, [TestData.Reads], packageFolder, Steps: 12, LearningRate: 5e-3,
            Batch: 4, Threads: 2, CheckpointEvery: 0, ValidateEvery: 6, ChunksPerRead: 2, ValidationEvery: 3, Seed: 7, Fresh: true, BatchNorm: true, Warmup: 4);

        var package = await FinetuneAsync(request);
        var finetune = package.Manifest.Provenance["finetune"];
        Assert.Equal("fresh weights drawn from seed 7", finetune.GetProperty("start").GetString());
        Assert.Equal(4, finetune.GetProperty("warmupSteps").GetInt32());
        Assert.Equal("Adam, linear warm-up over 4 steps, then cosine decay to 0", finetune.GetProperty("schedule").GetString());
        Assert.Equal("normalising", finetune.GetProperty("trainingBatchNormStart").GetString());
        // Ten steps from fresh weights call next to nothing: no offsets could make that the teacher's calling, so none are written.
        Assert.False(finetune.TryGetProperty("callRates", out _));
        // Twelve steps from fresh weights learn the blank-heavy shape of the teacher's posteriors at least.
        var losses = finetune.GetProperty("losses");
        Assert.True(losses.GetProperty("bestValidation").GetDouble() < losses.GetProperty("validationBefore").GetDouble(),
            $"held-out KL went from {losses.GetProperty("validationBefore")} to {losses.GetProperty("bestValidation")}");
        // Written with the teacher's layers and no BatchNorm: the normalisation trained with is folded away.
        var teacher = await ModelSource.LoadAsync(TestData.PackageFolder, CancellationToken.None);
        var student = (await ModelSource.LoadAsync(packageFolder, CancellationToken.None)).Graph;
        Assert.Equal(Dipper.Compiler.Passes.FoldBatchNorm.Apply(teacher.Graph).Nodes.Select(n => (n.Name, n.Operation.Kind)),
            student.Nodes.Select(n => (n.Name, n.Operation.Kind)));
        Assert.DoesNotContain(student.Nodes, n => n.Operation is Dipper.Compiler.Graph.Operations.BatchNorm1d);
        // (No reads are called: after twelve steps a fresh student calls every frame blank.)
    }

    [Theory]
    [InlineData("--warmup", "-1", "--warmup must be at least 0")]
    [InlineData("--base-frame-weight", "0", "--base-frame-weight must be positive")]
    public void A_negative_warmup_or_a_base_frame_weight_of_zero_is_a_usage_error_before_anything_is_read(string option, string value, string error)
    {
        var output = Path.Combine(_folder, "never");
        var result = ToolProcess.Run("finetune", "--model", TestData.PackageFolder, "--teacher", TestData.PackageFolder, "--reads", TestData.Reads,
            "-o", output, "--steps", "2", option, value);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(error, result.Errors);
        Assert.False(Directory.Exists(output));
    }

    /// <summary>Runs the command (its output into the test log), asserts it succeeded, and loads the package it wrote.</summary>
    private async Task<ModelPackage> FinetuneAsync(FinetuneCommand.Request request)
    {
        var (code, _, _) = await FinetuneRun.RunAsync(request, log);
        Assert.Equal(0, code);
        return ModelPackage.Load(request.Output);
    }

    private static async Task AssertCallsReadsAsync(ModelPackage package)
    {
        using var engine = new OnnxRuntimeEngine(package, new InferenceEngineOptions { Threads = 2, Batch = 4 });
        var pipeline = new BasecallPipeline(package.Manifest, [engine], new BasecallPipelineOptions { BeamWidth = 1 });
        var writer = new CollectingWriter();
        var problems = new ConcurrentBag<ReadProblem>();
        await pipeline.RunAsync(Directory.GetFiles(TestData.Reads, "*.fast5").Order().Take(2).ToList(), writer, problems.Add);
        Assert.Empty(problems);
        Assert.Equal(2, writer.Reads.Count);
        Assert.All(writer.Reads.Values, r => Assert.True(r.Sequence.Bases.Length > 100, $"{r.Read.ReadId}: {r.Sequence.Bases.Length} bases"));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private sealed class CollectingWriter : ICalledReadWriter
    {
        public ConcurrentDictionary<string, CalledRead> Reads { get; } = new();
        public string Path => "memory";
        public void Write(CalledRead read) => Assert.True(Reads.TryAdd(read.Read.ReadId, read), $"read {read.Read.ReadId} written twice");
        public void Commit() { }
        public void Dispose() { }
    }
}
