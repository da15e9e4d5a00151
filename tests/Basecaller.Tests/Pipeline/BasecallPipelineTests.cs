using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Dipper.Basecaller.Decoding;
using Dipper.Basecaller.Inference;
using Dipper.Basecaller.Pipeline;
using Dipper.Basecaller.Signal;

namespace Dipper.Basecaller.Tests.Pipeline;

public class BasecallPipelineTests
{
    private static readonly int[] Lengths = [2, 1799, 1800, 1801, 3000, 3001, 10_000, 65_030];

    private static BasecallPipeline Pipeline(IReadOnlyList<IInferenceEngine> engines, Dictionary<string, ISignalReader> files, int beam = 1) =>
        new(TestManifests.Sbonito(), engines, new BasecallPipelineOptions { BeamWidth = beam, BatchFlushAfter = TimeSpan.FromMilliseconds(20) })
        {
            OpenSignalFile = path => files[path],
        };

    /// <summary>What the frame-function network gives on the whole read, without chunking.</summary>
    private static DecodedSequence CallWhole(Read read, ICtcDecoder decoder)
    {
        var normalised = new float[(read.SampleCount + 2) / 3 * 3];
        new Normaliser(TestManifests.Sbonito().Normalisation).Normalise(read.Signal, normalised);
        var frames = normalised.Length / 3;
        var logProbs = new float[frames * 5];
        for (var t = 0; t < frames; t++) FrameFunctionEngine.Frame(normalised.AsSpan(t * 3, 3), logProbs.AsSpan(t * 5, 5));
        return decoder.Decode(logProbs, frames);
    }

    [Theory]
    [InlineData(1, 1, 32)]
    [InlineData(1, 2, 7)]
    [InlineData(5, 2, 7)]
    public async Task Calls_of_chunked_batched_stitched_reads_equal_calling_each_read_whole(int beam, int engineCount, int batch)
    {
        var reads = Lengths.Select((n, i) => FakeSignalReader.Synthetic($"read-{i}", n, seed: i)).ToList();
        var files = new Dictionary<string, ISignalReader>
        {
            ["a.blow5"] = new FakeSignalReader("a.blow5", reads.Take(3).ToList()),
            ["b.blow5"] = new FakeSignalReader("b.blow5", reads.Skip(3).ToList()),
        };
        var engines = Enumerable.Range(0, engineCount).Select(_ => new FrameFunctionEngine(1800, batch)).ToList();
        var writer = new CapturingWriter();
        var problems = new ConcurrentQueue<ReadProblem>();

        var pipeline = Pipeline(engines, files, beam);
        await pipeline.RunAsync(["a.blow5", "b.blow5"], writer, problems.Enqueue);

        Assert.Empty(problems);
        var alphabet = new CtcAlphabet("NACGT", 0);
        ICtcDecoder decoder = beam > 1 ? new BeamSearchCtcDecoder(alphabet, beam) : new GreedyCtcDecoder(alphabet);
        Assert.Equal(reads.Count, writer.Reads.Count);
        foreach (var read in reads)
        {
            var expected = CallWhole(read, decoder);
            var called = writer.Reads[read.ReadId];
            Assert.Equal(expected.Bases, called.Sequence.Bases);
            Assert.Equal(expected.Qualities, called.Sequence.Qualities);
            Assert.Equal("sbonito-test", called.Model);
        }
        var counters = pipeline.Counters;
        Assert.Equal(reads.Count, counters.ReadsCalled);
        Assert.Equal(reads.Sum(r => (long)r.SampleCount), counters.SamplesCalled);
        Assert.Equal(writer.Reads.Values.Sum(r => (long)r.Sequence.Bases.Length), counters.Bases);
        Assert.Equal(reads.Sum(r => (long)ChunkLayout.From(TestManifests.Sbonito()).ChunkCount(r.SampleCount)), counters.ChunksInferred);
        Assert.All(engines, e => Assert.False(e.Disposed));
    }

    [Theory]
    [InlineData(true, 1, 32)]
    [InlineData(true, 2, 7)]
    [InlineData(false, 2, 7)]
    public async Task Last_chunks_at_their_own_length_give_the_calls_of_each_read_whole_and_spare_the_padding(bool shortLastChunks, int engineCount, int batch)
    {
        var reads = Lengths.Select((n, i) => FakeSignalReader.Synthetic($"read-{i}", n, seed: i)).ToList();
        var files = new Dictionary<string, ISignalReader> { ["a.blow5"] = new FakeSignalReader("a.blow5", reads) };
        var engines = Enumerable.Range(0, engineCount).Select(_ => new FrameFunctionEngine(1800, batch, takesShorterChunks: true)).ToList();
        var writer = new CapturingWriter();
        var problems = new ConcurrentQueue<ReadProblem>();
        var pipeline = new BasecallPipeline(TestManifests.Sbonito(), engines,
            new BasecallPipelineOptions { BeamWidth = 1, BatchFlushAfter = TimeSpan.FromMilliseconds(20), ShortLastChunks = shortLastChunks })
        {
            OpenSignalFile = path => files[path],
        };

        await pipeline.RunAsync(["a.blow5"], writer, problems.Enqueue);

        Assert.Empty(problems);
        Assert.Equal(shortLastChunks, pipeline.ShortLastChunks);
        var decoder = new GreedyCtcDecoder(new CtcAlphabet("NACGT", 0));
        foreach (var read in reads)
        {
            var expected = CallWhole(read, decoder);
            Assert.Equal(expected.Bases, writer.Reads[read.ReadId].Sequence.Bases);
            Assert.Equal(expected.Qualities, writer.Reads[read.ReadId].Sequence.Qualities);
        }
        var layout = ChunkLayout.From(TestManifests.Sbonito()) with { ShortLastChunk = shortLastChunks };
        var computed = reads.Sum(r => Enumerable.Range(0, layout.ChunkCount(r.SampleCount)).Sum(k => (long)layout.ComputedSamples(k, r.SampleCount)));
        Assert.Equal(computed, pipeline.Counters.ChunkSamplesInferred);
        Assert.Equal(reads.Sum(r => (long)layout.ChunkCount(r.SampleCount)), pipeline.Counters.ChunksInferred);
        var shortBatches = engines.SelectMany(e => e.ShortBatches).ToList();
        if (shortLastChunks)
        {
            // Every read whose last chunk has fewer real samples than a chunk less a block sends it alone at its own length.
            Assert.Equal(reads.Count(r => layout.ComputedSamples(layout.ChunkCount(r.SampleCount) - 1, r.SampleCount) < 1800), shortBatches.Count);
            Assert.All(shortBatches, b => Assert.Equal(1, b.Chunks));
            Assert.True(computed < pipeline.Counters.ChunksInferred * 1800L);
        }
        else
        {
            Assert.Empty(shortBatches);
            Assert.Equal(pipeline.Counters.ChunksInferred * 1800L, computed);
        }
    }

    [Fact]
    public async Task An_engine_of_whole_chunks_only_among_the_engines_keeps_every_chunk_whole()
    {
        var reads = Lengths.Select((n, i) => FakeSignalReader.Synthetic($"read-{i}", n, seed: i)).ToList();
        var files = new Dictionary<string, ISignalReader> { ["a.blow5"] = new FakeSignalReader("a.blow5", reads) };
        var engines = new[] { new FrameFunctionEngine(1800, 7, takesShorterChunks: true), new FrameFunctionEngine(1800, 7) };
        var writer = new CapturingWriter();
        var pipeline = Pipeline(engines, files);

        await pipeline.RunAsync(["a.blow5"], writer, _ => { });

        Assert.False(pipeline.ShortLastChunks);
        Assert.Equal(reads.Count, writer.Reads.Count);
        Assert.Equal(pipeline.Counters.ChunksInferred * 1800L, pipeline.Counters.ChunkSamplesInferred);
        Assert.Empty(engines[0].ShortBatches);
    }

    [Fact]
    public async Task Read_at_an_unsupported_sample_rate_is_reported_by_id_and_the_others_are_called()
    {
        var good = FakeSignalReader.Synthetic("good-read", 5000, 1);
        var fast = FakeSignalReader.Synthetic("five-khz-read", 5000, 2, sampleRate: 5000);
        var empty = new Read("empty-read", [], new SignalCalibration(0, 1), 4000);
        var files = new Dictionary<string, ISignalReader> { ["x.blow5"] = new FakeSignalReader("x.blow5", [fast, empty, good]) };
        var writer = new CapturingWriter();
        var problems = new ConcurrentQueue<ReadProblem>();

        var pipeline = Pipeline([new FrameFunctionEngine(1800, 32)], files);
        await pipeline.RunAsync(["x.blow5"], writer, problems.Enqueue);

        Assert.Equal(["good-read"], writer.Reads.Keys);
        Assert.Equal(2, pipeline.Counters.ReadsFailed);
        var rate = Assert.Single(problems, p => p.ReadId == "five-khz-read");
        Assert.Contains("5000 Hz", rate.Message);
        Assert.Contains("4000 Hz", rate.Message);
        Assert.Contains("five-khz-read", rate.Message);
        Assert.Contains("no signal", Assert.Single(problems, p => p.ReadId == "empty-read").Message);
    }

    [Fact]
    public async Task Damaged_file_is_reported_and_its_whole_reads_and_other_files_are_called()
    {
        var files = new Dictionary<string, ISignalReader>
        {
            ["damaged.blow5"] = new FakeSignalReader("damaged.blow5", [FakeSignalReader.Synthetic("r1", 4000, 1)], damagedAtEnd: true),
            ["fine.blow5"] = new FakeSignalReader("fine.blow5", [FakeSignalReader.Synthetic("r2", 4000, 2)]),
        };
        var writer = new CapturingWriter();
        var problems = new ConcurrentQueue<ReadProblem>();

        var pipeline = Pipeline([new FrameFunctionEngine(1800, 32)], files);
        await pipeline.RunAsync(["damaged.blow5", "fine.blow5"], writer, problems.Enqueue);

        Assert.Equal(["r1", "r2"], writer.Reads.Keys.Order());
        var problem = Assert.Single(problems);
        Assert.Equal("damaged.blow5", problem.Path);
        Assert.Contains("at byte 4242", problem.Message);
        Assert.Equal(1, pipeline.Counters.FilesFailed);
        Assert.Equal(2, pipeline.Counters.FilesDone);
    }

    [Fact]
    public async Task Engine_failure_stops_the_run_with_the_engine_error()
    {
        var reads = Enumerable.Range(0, 20).Select(i => FakeSignalReader.Synthetic($"r{i}", 20_000, i)).ToList();
        var files = new Dictionary<string, ISignalReader> { ["f.blow5"] = new FakeSignalReader("f.blow5", reads) };

        // The healthy engine waits for the failure, so it cannot call every read before the failing one gets a batch.
        using var unplugged = new ManualResetEventSlim();
        var pipeline = Pipeline([new FrameFunctionEngine(1800, 4, failAfterBatches: 3, failed: unplugged),
            new FrameFunctionEngine(1800, 4, holdUntil: unplugged)], files);
        var error = await Assert.ThrowsAsync<InferenceException>(() =>
            pipeline.RunAsync(["f.blow5"], new CapturingWriter(), _ => { })).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Contains("device unplugged", error.Message);
    }

    [Fact]
    public async Task Counters_are_published_through_System_Diagnostics_Metrics()
    {
        var seen = new ConcurrentDictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == PipelineMetrics.MeterName) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => seen[instrument.Name] = value);
        listener.SetMeasurementEventCallback<int>((instrument, value, _, _) => seen[instrument.Name] = value);
        listener.Start();

        // The reader waits until the instruments have been observed while the run is in progress.
        var gate = new TaskCompletionSource();
        var files = new Dictionary<string, ISignalReader> { ["f.blow5"] = new FakeSignalReader("f.blow5", [FakeSignalReader.Synthetic("r", 9000, 1)], gate: gate.Task) };
        var pipeline = Pipeline([new FrameFunctionEngine(1800, 32)], files);
        var run = pipeline.RunAsync(["f.blow5"], new CapturingWriter(), _ => { });
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!seen.ContainsKey("dipper.queue.batcher") && DateTime.UtcNow < deadline)
        {
            listener.RecordObservableInstruments();
            await Task.Delay(5);
        }
        gate.SetResult();
        await run.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Contains("dipper.reads.loaded", seen.Keys);
        Assert.Contains("dipper.queue.batcher", seen.Keys);
    }

    /// <summary>A synthetic read with the run metadata a reader would give it.</summary>
    private static Read WithRun(string id, int seed, string path, string? flowCell, string? kit)
    {
        var read = FakeSignalReader.Synthetic(id, 5000, seed);
        return new Read(read.ReadId, read.Signal, read.Calibration, read.SampleRate)
        {
            FlowCellProductCode = flowCell,
            SequencingKit = kit,
            SourcePath = path,
        };
    }

    private static BasecallPipeline ChemistryPipeline(Dictionary<string, ISignalReader> files, ConcurrentQueue<ReadProblem> warnings, bool ignore = false) =>
        new(TestManifests.Sbonito(), [new FrameFunctionEngine(1800, 32)],
            new BasecallPipelineOptions { BeamWidth = 1, BatchFlushAfter = TimeSpan.FromMilliseconds(20), IgnoreChemistry = ignore })
        {
            OpenSignalFile = path => files[path],
            Warn = warnings.Enqueue,
        };

    [Fact]
    public async Task Reads_of_another_chemistry_are_refused_naming_both_chemistries_and_the_others_are_called()
    {
        var files = new Dictionary<string, ISignalReader>
        {
            ["r10.pod5"] = new FakeSignalReader("r10.pod5", [WithRun("r10-a", 1, "r10.pod5", "FLO-MIN114", "SQK-LSK114"), WithRun("r10-b", 2, "r10.pod5", "FLO-MIN114", "SQK-LSK114")]),
            ["r94.pod5"] = new FakeSignalReader("r94.pod5", [WithRun("r94", 3, "r94.pod5", "FLO-MIN106", "SQK-LSK109")]),
        };
        var writer = new CapturingWriter();
        var problems = new ConcurrentQueue<ReadProblem>();
        var warnings = new ConcurrentQueue<ReadProblem>();

        var pipeline = ChemistryPipeline(files, warnings);
        await pipeline.RunAsync(["r10.pod5", "r94.pod5"], writer, problems.Enqueue);

        Assert.Equal(["r94"], writer.Reads.Keys);
        Assert.Equal(["r10-a", "r10-b"], problems.Select(p => p.ReadId).Order(StringComparer.Ordinal));
        Assert.All(problems, p =>
        {
            Assert.Equal("r10.pod5", p.Path);
            Assert.Contains("chemistry R10.4.1 DNA (flow cell FLO-MIN114, kit SQK-LSK114) does not match model 'sbonito-test' (R9.4.1 DNA)", p.Message);
            Assert.Equal(SequencingChemistry.Parse("R10.4.1 DNA"), p.WrongChemistry);
        });
        Assert.Empty(warnings);
        Assert.Equal(2, pipeline.Counters.ReadsFailed);
        Assert.Equal(1, pipeline.Counters.ReadsCalled);
    }

    [Fact]
    public async Task Reads_of_unknown_chemistry_are_called_with_one_warning_per_file()
    {
        var files = new Dictionary<string, ISignalReader>
        {
            ["a.fast5"] = new FakeSignalReader("a.fast5", [WithRun("a1", 1, "a.fast5", null, null), WithRun("a2", 2, "a.fast5", null, null), WithRun("a3", 3, "a.fast5", null, null)]),
            ["b.fast5"] = new FakeSignalReader("b.fast5", [WithRun("b1", 4, "b.fast5", null, "SQK-LSK109"), WithRun("b2", 5, "b.fast5", null, "SQK-LSK109")]),
            ["c.fast5"] = new FakeSignalReader("c.fast5", [WithRun("c1", 6, "c.fast5", "FLO-MIN106", "SQK-LSK109")]),
        };
        var writer = new CapturingWriter();
        var problems = new ConcurrentQueue<ReadProblem>();
        var warnings = new ConcurrentQueue<ReadProblem>();

        await ChemistryPipeline(files, warnings).RunAsync(["a.fast5", "b.fast5", "c.fast5"], writer, problems.Enqueue);

        Assert.Empty(problems);
        Assert.Equal(6, writer.Reads.Count);
        Assert.Equal(["a.fast5", "b.fast5"], warnings.Select(w => w.Path));
        Assert.All(warnings, w => Assert.Null(w.ReadId));
        Assert.Contains("no flow cell product code, kit or experiment type", warnings.First().Message);
        Assert.Contains("chemistry unknown (kit SQK-LSK109 → DNA)", warnings.Last().Message);
    }

    [Fact]
    public async Task Ignore_chemistry_calls_reads_of_another_chemistry_without_a_word()
    {
        var files = new Dictionary<string, ISignalReader>
        {
            ["r10.pod5"] = new FakeSignalReader("r10.pod5", [WithRun("r10", 1, "r10.pod5", "FLO-MIN114", "SQK-LSK114"), WithRun("none", 2, "r10.pod5", null, null)]),
        };
        var writer = new CapturingWriter();
        var problems = new ConcurrentQueue<ReadProblem>();
        var warnings = new ConcurrentQueue<ReadProblem>();

        await ChemistryPipeline(files, warnings, ignore: true).RunAsync(["r10.pod5"], writer, problems.Enqueue);

        Assert.Equal(["none", "r10"], writer.Reads.Keys.Order(StringComparer.Ordinal));
        Assert.Empty(problems);
        Assert.Empty(warnings);
    }
}
