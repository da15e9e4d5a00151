using System.Collections.Concurrent;
using Dipper.Basecaller.Inference;
using Dipper.Basecaller.Models;
using Dipper.Basecaller.Output;
using Dipper.Basecaller.Pipeline;
using Dipper.Compiler.Commands;
using Dipper.Compiler.Labelling;
using Dipper.Compiler.Passes.Compression;
using Dipper.Compiler.Passes.Pooling;
using Dipper.Compiler.Tests.Labelling;
using Dipper.Compiler.Training;
using Xunit.Abstractions;

namespace Dipper.Compiler.Tests.Training;

/// <summary>
/// <c>dipper train</c> on a label set made in the test by the product's own labelling (the ten E. coli reads called with
/// the default model and aligned to their reference), training the magnitude-pruned default model with CTC.
/// </summary>
[Collection(LibTorchCollection.Name)]
public sealed class TrainTests(CompressedStudents students, LabelledReads labelled, ITestOutputHelper log)
    : IClassFixture<CompressedStudents>, IClassFixture<LabelledReads>, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("dipper-train-").FullName;

    [Fact]
    public void Ctc_training_of_the_small_network_on_labelled_chunks_lowers_the_held_out_loss_and_keeps_every_zero()
    {
        // The loop and the CTC objective on the real label set, with the small network (stride 2: 900 frames a chunk).
        TorchRuntime.Start(2);
        var graph = SmallCtcNetwork.WithZeros(SmallCtcNetwork.Graph(), "pointwise.weight", every: 2);
        var ctc = new CtcTraining(labelled.Labels, blank: 0, frames: labelled.Labels.Metadata.ChunkSamples / 2, validationEvery: 3, validationBatch: 16);
        var output = new StringWriter();

        var result = TrainingLoop.Run(graph, ctc, new TrainingOptions { Steps = 10, Batch = 4, LearningRate = 1e-2, ValidateEvery = 5 },
            output, TextWriter.Null, terminal: false, CancellationToken.None);

        log.WriteLine(output.ToString());
        Assert.Equal([0, 5, 10], result.Validations.Select(v => v.Step));
        Assert.True(result.BestValidation.Loss < result.Validations[0].Loss, $"held-out CTC loss {result.Validations[0].Loss} → {result.BestValidation.Loss}");
        Assert.Equal(result.Validations.MinBy(v => v.Loss)!.Step, result.BestStep);
        Assert.Equal(32, result.MaskedWeights["pointwise.weight"]);
        var before = graph.Weights["pointwise.weight"].Values.ToArray();
        var after = result.Best.Weights["pointwise.weight"].Values.ToArray();
        for (var i = 0; i < before.Length; i++)
        {
            if (before[i] == 0) Assert.Equal(0f, after[i]);
            else Assert.NotEqual(before[i], after[i]);
        }
    }

    [Fact]
    public async Task A_few_steps_of_ctc_training_lower_the_held_out_loss_keep_every_zero_and_the_package_calls_reads()
    {
        var labels = WriteLabels();
        var student = students.Package(CompressionMethod.Magnitude);
        var packageFolder = Path.Combine(_folder, "trained");
        var request = new TrainCommand.Request(labels, student, packageFolder, Steps: 12, LearningRate: 1e-3, Batch: 4, Threads: 2,
            CheckpointEvery: 0, ValidateEvery: 6, ValidationEvery: 3);

        var package = await TrainLoweringTheHeldOutLossAsync(request);

        var train = package.Manifest.Provenance["train"];
        Assert.Equal(12, train.GetProperty("steps").GetInt32());
        Assert.True(train.GetProperty("bestStep").GetInt32() > 0);
        Assert.Equal(["fold-batchnorm", "prune-magnitude", TrainCommand.PassName],
            package.Manifest.Provenance["passes"].EnumerateArray().Select(p => p.GetString()));
        var files = train.GetProperty("labels").GetProperty("files").EnumerateArray().ToList();
        Assert.Equal([LabelSet.ChunksFile, LabelSet.ReferencesFile, LabelSet.LengthsFile, LabelSet.MetadataFile], files.Select(f => f.GetProperty("file").GetString()));
        Assert.All(files, f => Assert.Matches("^[0-9a-f]{64}$", f.GetProperty("sha256").GetString()!));
        var data = train.GetProperty("data");
        Assert.True(data.GetProperty("validationChunks").GetInt32() > 0 && data.GetProperty("trainingChunks").GetInt32() > data.GetProperty("validationChunks").GetInt32());
        Assert.Equal(labelled.Labels.Count, data.GetProperty("trainingChunks").GetInt32() + data.GetProperty("validationChunks").GetInt32() + data.GetProperty("unusableChunks").GetInt32());
        Assert.False(File.Exists(TrainCommand.CheckpointPath(packageFolder)));

        // Every pruned weight is still zero; the others trained.
        var zeros = await TrainedWeights.ZerosKeptAndOthersTrainedAsync(student, packageFolder, "the pruned model");
        Assert.Equal(zeros, train.GetProperty("maskedZeros").GetInt64());

        // The result is a package like any other: the appliance's pipeline calls reads with it.
        using var engine = new OnnxRuntimeEngine(package, new InferenceEngineOptions { Threads = 2, Batch = 4 });
        await CallsTwoReadsAsync(new BasecallPipeline(package.Manifest, [engine], new BasecallPipelineOptions { BeamWidth = 1 }));
    }

    [Fact]
    public async Task A_pooled_package_trains_with_ctc_and_comes_back_as_a_pooled_package_that_calls_reads()
    {
        // dipper pool's untrained variant (the default model's stem at stride 1, then dynamic pooling), trained as any model is.
        var labels = WriteLabels();
        var pooledFolder = Path.Combine(_folder, "pooled");
        Assert.Equal(0, await PoolCommand.RunAsync(new PoolCommand.Request(TestData.Checkpoint, pooledFolder), TextWriter.Null, TextWriter.Null, CancellationToken.None));
        var packageFolder = Path.Combine(_folder, "pooled-trained");
        var request = new TrainCommand.Request(labels, pooledFolder, packageFolder, Steps: 6, LearningRate: 1e-4, Batch: 4, Threads: 2,
            CheckpointEvery: 0, ValidateEvery: 3, ValidationEvery: 3);

        var package = await TrainLoweringTheHeldOutLossAsync(request);

        var pooling = package.Manifest.Pooling;
        Assert.NotNull(pooling);
        Assert.Null(package.Manifest.Files.Onnx);
        Assert.Equal(new[] { PoolCommand.AfterFile, PoolCommand.BeforeFile }, package.Manifest.Files.Sha256.Keys.Order());
        // The scale r is a running mean that training moves; the host pools with the trained value, and the provenance says it was trained.
        var record = package.Manifest.Provenance["pooling"];
        Assert.True(record.GetProperty("trained").GetBoolean());
        Assert.NotEqual(1f, pooling.Scale);
        Assert.Equal(pooling.Scale, record.GetProperty("scale").GetSingle());
        Assert.Equal(["fold-batchnorm", DynamicPoolingStem.PassName, TrainCommand.PassName],
            package.Manifest.Provenance["passes"].EnumerateArray().Select(p => p.GetString()));

        // The appliance's split pipeline calls reads with it.
        using var engines = PooledModelEngines.Create(package, workers: 1, batch: 4);
        await CallsTwoReadsAsync(new BasecallPipeline(package.Manifest, engines.BeforePooling, engines.AfterPooling, new BasecallPipelineOptions { BeamWidth = 1 }));
    }

    [Fact]
    public async Task A_new_model_from_an_architecture_file_trains_from_fresh_weights_into_a_package_the_pipeline_runs()
    {
        var labels = WriteLabels();
        var architecture = Path.Combine(_folder, "small.json");
        File.WriteAllText(architecture, """
            { "name": "small_r94", "chemistry": "R9.4.1 DNA", "sampleRates": [4000],
              "blocks": [ { "channels": 24, "repeat": 1, "kernel": 9, "stride": 3 },
                          { "channels": 24, "repeat": 2, "kernel": 11, "residual": true, "separable": true },
                          { "channels": 16, "repeat": 1, "kernel": 7 } ] }
            """);
        var packageFolder = Path.Combine(_folder, "fresh");
        var request = new TrainCommand.Request(labels, null, packageFolder, Steps: 12, LearningRate: 3e-3, Batch: 4, Threads: 2,
            CheckpointEvery: 0, ValidateEvery: 6, ValidationEvery: 3, Architecture: architecture, Seed: 3);

        var package = await TrainLoweringTheHeldOutLossAsync(request);

        var manifest = package.Manifest;
        Assert.Equal(("small_r94", "R9.4.1 DNA", 3, labelled.Labels.Metadata.Alphabet), (manifest.Name, manifest.Chemistry, manifest.Stride, manifest.Alphabet));
        Assert.Equal(labelled.Labels.Metadata.ChunkSamples, manifest.Chunk.Samples);
        var source = manifest.Provenance["source"];
        Assert.Equal(("small.json", 3), (source.GetProperty("file").GetString(), source.GetProperty("seed").GetInt32()));
        Assert.Equal(["fold-batchnorm", TrainCommand.PassName], manifest.Provenance["passes"].EnumerateArray().Select(p => p.GetString()));
        Assert.Contains("fresh weights (seed 3) of the architecture", File.ReadAllText(Path.Combine(packageFolder, "report.md")));

        // A package like any other: the appliance's pipeline runs it over reads (12 steps do not make it call well).
        using var engine = new OnnxRuntimeEngine(package, new InferenceEngineOptions { Threads = 2, Batch = 4 });
        var writer = new CalledReadCollection();
        var problems = new ConcurrentBag<ReadProblem>();
        await new BasecallPipeline(manifest, [engine], new BasecallPipelineOptions { BeamWidth = 1 }).RunAsync(labelled.Files.Order().Take(2).ToList(), writer, problems.Add);
        Assert.Empty(problems);
        Assert.Equal(2, writer.Reads.Count);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Neither_or_both_of_a_model_and_an_architecture_is_a_usage_error_that_writes_nothing(bool both)
    {
        var packageFolder = Path.Combine(_folder, "trained");
        var errors = new StringWriter();

        var code = await TrainCommand.RunAsync(new TrainCommand.Request(WriteLabels(), both ? TestData.PackageFolder : null, packageFolder, Steps: 2,
            Architecture: both ? Path.Combine(_folder, "any.json") : null), TextWriter.Null, errors, terminal: false, CancellationToken.None);

        Assert.Equal(2, code);
        Assert.Contains("--model", errors.ToString());
        Assert.Contains("--architecture", errors.ToString());
        Assert.False(Directory.Exists(packageFolder));
    }

    /// <summary>Runs dipper train, which must write its package with a held-out CTC loss below the one it started from.</summary>
    private async Task<ModelPackage> TrainLoweringTheHeldOutLossAsync(TrainCommand.Request request)
    {
        var (output, errors) = (new StringWriter(), new StringWriter());
        var code = await TrainCommand.RunAsync(request, output, errors, terminal: false, CancellationToken.None);
        log.WriteLine(output.ToString());
        log.WriteLine(errors.ToString());
        Assert.Equal(0, code);
        var package = ModelPackage.Load(request.Output);
        var losses = package.Manifest.Provenance["train"].GetProperty("losses");
        Assert.True(losses.GetProperty("bestValidation").GetDouble() < losses.GetProperty("validationBefore").GetDouble(),
            $"held-out CTC loss went from {losses.GetProperty("validationBefore")} to {losses.GetProperty("bestValidation")}");
        return package;
    }

    /// <summary>The pipeline calls two of the labelled reads, each to more than 100 bases, without a problem.</summary>
    private async Task CallsTwoReadsAsync(BasecallPipeline pipeline)
    {
        var writer = new CalledReadCollection();
        var problems = new ConcurrentBag<ReadProblem>();
        await pipeline.RunAsync(labelled.Files.Order().Take(2).ToList(), writer, problems.Add);
        Assert.Empty(problems);
        Assert.Equal(2, writer.Reads.Count);
        Assert.All(writer.Reads, r => Assert.True(r.Sequence.Bases.Length > 100, $"{r.Read.ReadId}: {r.Sequence.Bases.Length} bases"));
    }

    [Fact]
    public async Task A_missing_label_folder_is_a_clear_error_and_writes_nothing()
    {
        var missing = Path.Combine(_folder, "no-labels");
        var packageFolder = Path.Combine(_folder, "trained");

        var (code, errors) = await Train(missing, packageFolder);

        Assert.Equal(1, code);
        Assert.Contains($"{missing}: no such label folder", errors);
        Assert.False(Directory.Exists(packageFolder));
    }

    [Fact]
    public async Task A_truncated_label_file_is_a_clear_error_naming_the_folder_and_writes_nothing()
    {
        var labels = WriteLabels();
        var chunks = Path.Combine(labels, LabelSet.ChunksFile);
        using (var file = File.Open(chunks, FileMode.Open)) file.SetLength(file.Length / 2);
        var packageFolder = Path.Combine(_folder, "trained");

        var (code, errors) = await Train(labels, packageFolder);

        Assert.Equal(1, code);
        Assert.Contains($"{labels}: not a readable label set", errors);
        Assert.Contains("nothing was written", errors);
        Assert.False(Directory.Exists(packageFolder));
        Assert.DoesNotContain(Directory.GetFileSystemEntries(_folder), e => Path.GetFileName(e).Contains("trained"));
    }

    [Fact]
    public async Task Labels_of_another_alphabet_are_refused_before_training()
    {
        var labels = WriteLabels();
        var metadata = Path.Combine(labels, LabelSet.MetadataFile);
        File.WriteAllText(metadata, File.ReadAllText(metadata).Replace("\"alphabet\": \"NACGT\"", "\"alphabet\": \"NACGU\""));
        var packageFolder = Path.Combine(_folder, "trained");

        var (code, errors) = await Train(labels, packageFolder);

        Assert.Equal(1, code);
        Assert.Contains("the labels index the alphabet 'NACGU'", errors);
        Assert.False(Directory.Exists(packageFolder));
    }

    private async Task<(int Code, string Errors)> Train(string labels, string packageFolder)
    {
        var errors = new StringWriter();
        var code = await TrainCommand.RunAsync(new TrainCommand.Request(labels, TestData.PackageFolder, packageFolder, Steps: 2, Batch: 2),
            TextWriter.Null, errors, terminal: false, CancellationToken.None);
        log.WriteLine(errors.ToString());
        return (code, errors.ToString());
    }

    private string WriteLabels()
    {
        var folder = Path.Combine(_folder, $"labels-{Guid.NewGuid():N}");
        labelled.Labels.Write(folder);
        return folder;
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
