using System.Diagnostics;
using System.Threading.Channels;
using Dipper.Basecaller.Decoding;
using Dipper.Basecaller.Inference;
using Dipper.Basecaller.Models;
using Dipper.Basecaller.Pipeline;
using Dipper.Basecaller.Signal;
using Dipper.Compiler.Commands;
using Dipper.Compiler.Compilation;
using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Execution;
using Dipper.Compiler.Passes.Pooling;
using Xunit.Abstractions;

namespace Dipper.Compiler.Tests.Commands;

/// <summary>
/// dipper pool's package of the default model's dynamic-pooling variant (untrained), run as the appliance runs it: the
/// part before the pooling per chunk in ONNX Runtime, the pooling over the whole read on the host, the part after it per
/// window in ONNX Runtime, against the compiler's float executor running the whole unsplit graph on the whole read.
/// </summary>
public sealed class PoolCommandTests(ITestOutputHelper log) : IDisposable
{
    // The part after the pooling has a receptive field of 133 pooled frames each side (5 blocks × 5 k11 layers, k11, k7).
    // Windows overlap by 300 (150 trimmed per inner edge), so inner edges see the whole read's context and agree to
    // rounding. Only the read's last window differs: it is zero-padded past the read's end, where the unsplit graph pads
    // every layer with zeros instead (after the first layer the window's padding holds biases, not zeros), so the
    // last 133 frames of a read are left out of the comparison (they differ for a model without pooling too). The part
    // before the pooling sees 4 samples each side and its chunks overlap by 600, so it adds no difference.
    private const int ReceptiveField = 133;
    private const double Tolerance = 1e-3;

    private readonly string _folder = Directory.CreateTempSubdirectory("dipper-pool-").FullName;

    private async Task<(ModelPackage Package, ModelGraph Unsplit)> PoolAsync()
    {
        var packageFolder = Path.Combine(_folder, "pooled");
        var (output, errors) = (new StringWriter(), new StringWriter());
        var code = await PoolCommand.RunAsync(new PoolCommand.Request(TestData.Checkpoint, packageFolder), output, errors, CancellationToken.None);
        log.WriteLine(output.ToString() + errors);
        Assert.Equal(0, code);
        // The unsplit graph the package was cut from, made by the same pass from the same checkpoint.
        var source = await ImportStage.RunAsync(TestData.Checkpoint, CancellationToken.None);
        var unsplit = DynamicPoolingStem.Apply(FoldStage.Run(source.Graph), new PoolCommand.Request("", "").Seed, out _);
        return (ModelPackage.Load(packageFolder), unsplit);
    }

    private static async Task<List<Read>> TestReadsAsync(int count)
    {
        var reads = new List<Read>();
        foreach (var file in SignalFile.Find([TestData.Reads]).Order(StringComparer.Ordinal).Take(count))
        {
            await using var reader = SignalFile.Open(file);
            await foreach (var read in reader.ReadAllAsync()) reads.Add(read);
        }
        return reads;
    }

    /// <summary>Class scores [frames, classes] of each read from the pipeline's two passes around the host's pooling.</summary>
    private static async Task<Dictionary<string, float[]>> ScoreSplitAsync(ModelPackage package, IReadOnlyList<Read> reads, int batch)
    {
        using var engines = PooledModelEngines.Create(package, workers: 1, batch);
        var pipeline = new BasecallPipeline(package.Manifest, engines.BeforePooling, engines.AfterPooling,
            new BasecallPipelineOptions { IgnoreChemistry = true, BatchFlushAfter = TimeSpan.FromMilliseconds(20) });
        var input = Channel.CreateUnbounded<Read>();
        foreach (var read in reads) input.Writer.TryWrite(read);
        input.Writer.Complete();
        var scored = Channel.CreateUnbounded<ReadInProgress>();
        var problems = new List<string>();
        await pipeline.ScoreAsync(input.Reader, scored.Writer, p => problems.Add(p.Message));
        Assert.Empty(problems);
        var scores = new Dictionary<string, float[]>();
        await foreach (var read in scored.Reader.ReadAllAsync()) scores[read.Read.ReadId] = read.LogProbs.ToArray();
        return scores;
    }

    /// <summary>The whole unsplit graph on the whole normalised read: [frames, classes].</summary>
    private static float[] ScoreWhole(ModelGraph unsplit, ModelManifest manifest, Read read)
    {
        var normalised = new float[read.SampleCount];
        new Normaliser(manifest.Normalisation).Normalise(read.Signal, normalised);
        return new FloatExecutor(unsplit).Run(new FloatTensor([1, 1, read.SampleCount], normalised)).Values;
    }

    /// <summary>The package's two ONNX parts, each run once over the whole read (their lengths are dynamic), the host pooling between them.</summary>
    private static float[] ScoreWholeWithOnnx(ModelPackage package, Read read)
    {
        var manifest = package.Manifest;
        var pooling = manifest.Pooling!;
        var normalised = new float[read.SampleCount];
        new Normaliser(manifest.Normalisation).Normalise(read.Signal, normalised);
        var beforeTensors = NetworkTensors.BeforePooling(manifest) with { InputLength = read.SampleCount, OutputFrames = read.SampleCount };
        using var before = new OnnxRuntimeEngine(package.BeforePoolingPath!, beforeTensors, new InferenceEngineOptions { Batch = 1 });
        var frames = new float[read.SampleCount * (pooling.Features + 2)];
        before.Infer(normalised, 1, frames);
        var pooled = DynamicPooling.PoolFrames(frames, pooling.Features, pooling.Scale, out var length);
        var afterTensors = NetworkTensors.AfterPooling(manifest) with { InputLength = length, OutputFrames = length };
        using var after = new OnnxRuntimeEngine(package.AfterPoolingPath!, afterTensors, new InferenceEngineOptions { Batch = 1 });
        var scores = new float[length * TestData.Classes];
        after.Infer(pooled, 1, scores);
        return scores;
    }

    private void AssertEqualAwayFromTheEnd(float[] expected, float[] actual, string readId, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        var frames = expected.Length / TestData.Classes;
        var compared = Math.Max(0, frames - ReceptiveField) * TestData.Classes;
        double inner = 0, tail = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            var d = Math.Abs((double)expected[i] - actual[i]);
            if (i < compared) inner = Math.Max(inner, d);
            else tail = Math.Max(tail, d);
        }
        log.WriteLine($"{readId}: {frames} pooled frames; largest difference {inner:E2} before the last {ReceptiveField} frames, {tail:E2} in them");
        Assert.InRange(inner, 0, tolerance);
    }

    [Fact]
    public async Task Pooled_package_holds_two_onnx_parts_that_onnx_runtime_runs()
    {
        var (package, _) = await PoolAsync();

        var pooling = package.Manifest.Pooling;
        Assert.NotNull(pooling);
        Assert.Null(package.Manifest.Files.Onnx);
        Assert.Equal(80, pooling.Features);
        Assert.Equal(1f, pooling.Scale);
        Assert.Equal(new[] { PoolCommand.BeforeFile, PoolCommand.AfterFile }.Order(), package.Manifest.Files.Sha256.Keys.Order());
        var provenance = package.Manifest.Provenance["pooling"];
        Assert.Equal(3, provenance.GetProperty("strideBefore").GetInt32());
        Assert.False(provenance.GetProperty("trained").GetBoolean());
        Assert.Equal(["fold-batchnorm", DynamicPoolingStem.PassName], package.Manifest.Provenance["passes"].EnumerateArray().Select(p => p.GetString()));
        ModelPackageValidator.VerifyChecksums(package);

        using var engines = PooledModelEngines.Create(package, workers: 1, batch: 2);
        var window = TestData.ReadFloats("read0.window0.f32");
        var frames = new float[TestData.WindowSamples * (pooling.Features + 2)];
        engines.BeforePooling[0].Infer(window, 1, frames);
        // Untrained, the head's logits are near its bias: each sample weighs about a third and moves about a third of a
        // pooled frame (the small head weights let the features move it a little), so 1800 samples pool to about 600 frames.
        var moves = Enumerable.Range(0, TestData.WindowSamples).Select(t => DynamicPooling.Sigmoid(frames[t * 82 + 81]) * pooling.Scale).ToList();
        var weights = Enumerable.Range(0, TestData.WindowSamples).Select(t => DynamicPooling.Sigmoid(frames[t * 82 + 80])).ToList();
        Assert.All(moves.Concat(weights), v => Assert.InRange(v, 0.2f, 0.47f));
        Assert.InRange(moves.Average(), 0.32, 0.345);
        Assert.True(moves.Max() - moves.Min() > 0.01, "the moves depend on the signal");
        var pooled = DynamicPooling.PoolFrames(frames, pooling.Features, pooling.Scale, out var length);
        Assert.InRange(length, 590, 610);
        var input = new float[pooling.Window.Samples * pooling.Features];
        pooled.AsSpan(0, Math.Min(pooled.Length, input.Length)).CopyTo(input);
        var logProbs = new float[pooling.Window.Samples * TestData.Classes];
        engines.AfterPooling[0].Infer(input, 1, logProbs);
        for (var f = 0; f < pooling.Window.Samples; f++)
            Assert.InRange(logProbs.AsSpan(f * 5, 5).ToArray().Sum(v => Math.Exp(v)), 0.999, 1.001);
    }

    [Fact]
    public async Task Split_inference_over_whole_reads_equals_both_parts_run_once_over_each_whole_read()
    {
        var (package, _) = await PoolAsync();
        var whole = (await TestReadsAsync(2)).OrderBy(r => r.SampleCount).ToList();
        var reads = whole.Prepend(Slice(whole[0], 0, 7000)).ToList();

        var split = await ScoreSplitAsync(package, reads, batch: 3);

        // Both parts take any length in ONNX Runtime, so the same two models can also run once over the whole read: the
        // chunking, stitching, pooling and re-windowing then add nothing (measured: 0, bit for bit).
        foreach (var read in reads)
            AssertEqualAwayFromTheEnd(ScoreWholeWithOnnx(package, read), split[read.ReadId], read.ReadId, 1e-5);
    }

    [Fact]
    public async Task Split_inference_equals_the_float_executor_on_the_whole_unsplit_graph()
    {
        var (package, unsplit) = await PoolAsync();
        var whole = (await TestReadsAsync(2)).OrderBy(r => r.SampleCount).ToList();
        // 3000 samples: 3 chunks before the pooling, about 990 pooled frames in 3 windows after it, so both passes stitch.
        var slice = Slice(whole[0], 0, 3000);

        var split = await ScoreSplitAsync(package, [slice, whole[0]], batch: 3);

        AssertEqualAwayFromTheEnd(ScoreWhole(unsplit, package.Manifest, slice), split[slice.ReadId], slice.ReadId, Tolerance);
        // Over a whole read the positions are float32 sums of tens of thousands of moves (the rule: bit for bit with the
        // float32 reference), whose rounding (an ulp is 0.002 frames at 20,000) turns ONNX Runtime's last-bit differences
        // from the executor in the part before the pooling into position shifts of a few hundredths of a frame, and the
        // scores then differ by up to about 0.1. The calls do not: they agree base for base but for a few bases in a thousand.
        var decoder = new GreedyCtcDecoder(new CtcAlphabet(package.Manifest.Alphabet, package.Manifest.Blank));
        var expected = ScoreWhole(unsplit, package.Manifest, whole[0]);
        var frames = expected.Length / TestData.Classes;
        var identity = EditDistance.Identity(decoder.Decode(expected, frames).Bases, decoder.Decode(split[whole[0].ReadId], frames).Bases);
        log.WriteLine($"{whole[0].ReadId}: {frames} pooled frames; calls from the split scores {identity:P3} identical to the executor's");
        Assert.InRange(identity, 0.995, 1);
    }

    private static Read Slice(Read read, int start, int samples) =>
        new($"{read.ReadId}-{start}-{samples}", read.Signal.AsSpan(start, samples).ToArray(), read.Calibration, read.SampleRate);

    [Fact]
    public async Task Read_shorter_than_one_chunk_is_pooled_and_scored_whole()
    {
        var (package, unsplit) = await PoolAsync();
        var full = (await TestReadsAsync(1))[0];
        var shortRead = Slice(full, 5000, 1000);

        var split = await ScoreSplitAsync(package, [shortRead], batch: 4);

        var expected = ScoreWhole(unsplit, package.Manifest, shortRead);
        Assert.InRange(expected.Length / TestData.Classes, 300, 400);
        AssertEqualAwayFromTheEnd(expected, split[shortRead.ReadId], shortRead.ReadId, Tolerance);
        AssertEqualAwayFromTheEnd(ScoreWholeWithOnnx(package, shortRead), split[shortRead.ReadId], shortRead.ReadId, 1e-5);
    }

    [Fact]
    public async Task Dipperd_basecall_calls_every_read_with_the_pooled_package()
    {
        var (package, _) = await PoolAsync();
        var fastq = Path.Combine(_folder, "calls.fastq");
        var files = SignalFile.Find([TestData.Reads]).Order(StringComparer.Ordinal).Take(3).ToArray();

        var (exit, errors) = ApplianceCommand.Run(["basecall", .. files, "--model", package.Directory, "-o", fastq, "--threads", "1", "--greedy"]);

        log.WriteLine(errors);
        Assert.Equal(0, exit);
        Assert.Contains("dynamic pooling on the host", errors);
        var lines = File.ReadAllLines(fastq);
        Assert.Equal(3 * 4, lines.Length);
        var ids = (await TestReadsAsync(3)).Select(r => r.ReadId).Order().ToList();
        Assert.Equal(ids, lines.Where((_, i) => i % 4 == 0).Select(l => l[1..].Split(' ')[0]).Order());
        for (var r = 0; r < 3; r++)
        {
            Assert.Matches("^[ACGT]{1000,}$", lines[r * 4 + 1]);
            Assert.Equal(lines[r * 4 + 1].Length, lines[r * 4 + 3].Length);
        }

        var (refused, message) = ApplianceCommand.Run(["basecall", files[0], "--model", package.Directory, "-o", fastq + "2", "--engine", "tflite"]);
        Assert.Equal(2, refused);
        Assert.Contains("ONNX Runtime only", message);
    }

    [Fact]
    public async Task Pooling_by_four_gives_about_a_quarter_as_many_frames_as_samples_and_the_manifest_says_so()
    {
        var folder = Path.Combine(_folder, "by4");
        var errors = new StringWriter();

        var code = await PoolCommand.RunAsync(new PoolCommand.Request(TestData.Checkpoint, folder, PoolBy: 4), TextWriter.Null, errors, CancellationToken.None);

        Assert.True(code == 0, errors.ToString());
        var package = ModelPackage.Load(folder);
        Assert.Equal(4, package.Manifest.Stride);
        Assert.Equal(0.25, package.Manifest.Pooling!.MeanMove);
        var reads = await TestReadsAsync(1);
        var scores = await ScoreSplitAsync(package, reads, batch: 4);
        var frames = scores[reads[0].ReadId].Length / TestData.Classes;
        log.WriteLine($"{reads[0].SampleCount} samples pooled to {frames} frames");
        // Untrained, every move is about 1/4 (the head's weights are small), so the read pools by about 4, not 3.
        Assert.InRange(frames, reads[0].SampleCount / 4.0 * 0.95, reads[0].SampleCount / 4.0 * 1.05);
    }

    [Theory]
    [InlineData(0, 2, "a pooled frame takes at least 1 sample")]
    [InlineData(7, 1, "--pool-by 7")]
    public async Task A_pool_size_that_cannot_cut_the_chunks_is_refused_and_nothing_is_written(int poolBy, int exit, string message)
    {
        var target = Path.Combine(_folder, $"by{poolBy}");
        var errors = new StringWriter();

        var code = await PoolCommand.RunAsync(new PoolCommand.Request(TestData.Checkpoint, target, PoolBy: poolBy), TextWriter.Null, errors, CancellationToken.None);

        Assert.Equal(exit, code);
        Assert.Contains(message, errors.ToString());
        Assert.False(Directory.Exists(target));
    }

    [Fact]
    public async Task Windows_that_trim_no_whole_frames_or_a_pooled_model_are_refused_and_nothing_is_written()
    {
        var (package, _) = await PoolAsync();
        var target = Path.Combine(_folder, "refused");
        var errors = new StringWriter();

        var odd = await PoolCommand.RunAsync(new PoolCommand.Request(TestData.Checkpoint, target, Window: 600, WindowOverlap: 301), TextWriter.Null, errors, CancellationToken.None);
        var twice = await PoolCommand.RunAsync(new PoolCommand.Request(package.Directory, target), TextWriter.Null, errors, CancellationToken.None);

        Assert.Equal(2, odd);
        Assert.Equal(1, twice);
        Assert.Contains("--window-overlap 301", errors.ToString());
        Assert.Contains("already pools", errors.ToString());
        Assert.False(Directory.Exists(target));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
