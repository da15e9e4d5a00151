using System.Threading.Channels;
using Dipper.Basecaller.Decoding;
using Dipper.Basecaller.Inference;
using Dipper.Basecaller.Models;
using Dipper.Basecaller.Output;
using Dipper.Basecaller.Signal;

namespace Dipper.Basecaller.Pipeline;

/// <summary>
/// Signal files in, called reads out: read → normalise and chunk → batch → infer → stitch → decode →
/// write, each stage a task connected to the next by a bounded channel, so a slow stage holds the
/// others back instead of letting reads pile up in memory. A model with dynamic pooling runs in two passes
/// (<see cref="ModelManifest.Pooling"/>): chunk → batch → infer the part before the pooling → stitch over the whole
/// read → pool on the host → cut windows of pooled frames → batch → infer the part after it → stitch → decode → write.
/// </summary>
/// <remarks>
/// Memory bound. Reads holding buffers (normalised signal, 4 bytes per sample, and log-probabilities,
/// about 7 bytes per sample) are: the one being chunked, those with a chunk in the chunk queue (at most
/// one batch's worth, B chunks) or in a batch (E·P + 1 batches of B chunks circulate: E engines,
/// P = <see cref="BasecallPipelineOptions.BatchesPerEngine"/>), and those waiting for or in a decoder
/// (<see cref="BasecallPipelineOptions.CalledQueue"/> + decoders): at most
/// 1 + B + (E·P + 1)·B + CalledQueue + decoders reads, 198 with the defaults, 2 engines and B = 32
/// (about 11 bytes per sample each, so 198 × 11 bytes × the longest read's samples). Reads in the
/// read and writer queues (2 + 4 by default) hold only their raw signal (2 bytes per sample) and call.
/// Batch buffers add (E·P + 1)·B·(chunk samples + frames × classes)·4 bytes (3 MB with the defaults).
/// A pooled model pools each read's first-pass output as its chunks come back (<see cref="InOrderPooling"/>), so a read of
/// the first pass holds its pooled frames so far (features × 4 bytes per pooled frame: about 107 bytes per sample for 80
/// features pooled by 3) and at most the chunks in circulation that came back early, not (features + 2) values per sample
/// (328 bytes per sample). The reads between the chunker and the pooling hold at most
/// <see cref="BasecallPipelineOptions.PoolingBudget"/> samples together (one longer read alone); a read of the second pass
/// holds its pooled frames until its last window is batched. Its first-pass batches are (features + 2) times larger in output,
/// its second-pass batches hold windows of features × window frames values.
/// </remarks>
public sealed class BasecallPipeline
{
    private readonly ModelManifest _manifest;
    private readonly IReadOnlyList<IInferenceEngine> _engines;
    private readonly IReadOnlyList<IInferenceEngine> _afterPooling;
    private readonly BasecallPipelineOptions _options;
    private readonly ChunkLayout _layout;
    private readonly int _valuesPerFrame;

    /// <summary>Creates a pipeline for a model and engines (one inference worker per engine; engines are not owned).</summary>
    /// <exception cref="ArgumentException">No engines, an engine of other chunks than the model's, or a model with dynamic pooling.</exception>
    public BasecallPipeline(ModelManifest manifest, IReadOnlyList<IInferenceEngine> engines, BasecallPipelineOptions? options = null)
        : this(manifest, engines, [], options)
    {
    }

    /// <summary>
    /// Creates a pipeline for a model with dynamic pooling: <paramref name="beforePooling"/> run the part before the pooling
    /// per chunk of signal, <paramref name="afterPooling"/> the part after it per window of pooled frames (one inference
    /// worker per engine; engines are not owned). For a model without pooling <paramref name="afterPooling"/> is empty.
    /// </summary>
    /// <exception cref="ArgumentException">An engine list is empty, or an engine does not fit the part of the model it is to run.</exception>
    public BasecallPipeline(ModelManifest manifest, IReadOnlyList<IInferenceEngine> beforePooling, IReadOnlyList<IInferenceEngine> afterPooling,
        BasecallPipelineOptions? options = null)
    {
        if (beforePooling.Count == 0) throw new ArgumentException("at least one inference engine is needed", nameof(beforePooling));
        var pooled = manifest.Pooling is not null;
        if (pooled != afterPooling.Count > 0)
            throw new ArgumentException(pooled
                ? $"model '{manifest.Name}' has dynamic pooling: engines for the part after the pooling are needed"
                : $"model '{manifest.Name}' has no dynamic pooling, so no engines after it", nameof(afterPooling));
        _manifest = manifest;
        _engines = beforePooling;
        _afterPooling = afterPooling;
        _options = options ?? new BasecallPipelineOptions();
        _layout = pooled ? ChunkLayout.BeforePooling(manifest) : ChunkLayout.From(manifest);
        _valuesPerFrame = pooled ? manifest.Pooling!.Features + 2 : manifest.Alphabet.Length;
        Check(beforePooling, _layout, _valuesPerFrame, nameof(beforePooling));
        if (!pooled && _options.ShortLastChunks && beforePooling.All(e => e.TakesShorterChunks))
            _layout = _layout with { ShortLastChunk = true };
        if (pooled) Check(afterPooling, ChunkLayout.AfterPooling(manifest), manifest.Alphabet.Length, nameof(afterPooling));
        BatchSize = beforePooling.Min(e => e.MaxBatch);
        BatchSizeAfterPooling = pooled ? afterPooling.Min(e => e.MaxBatch) : 0;
    }

    private static void Check(IReadOnlyList<IInferenceEngine> engines, ChunkLayout layout, int valuesPerFrame, string parameter)
    {
        foreach (var engine in engines)
        {
            if (engine.ChunkSamples != layout.Samples || engine.FramesPerChunk != layout.FramesPerChunk || engine.Classes != valuesPerFrame)
                throw new ArgumentException(
                    $"engine {engine.Name} takes {engine.ChunkSamples} samples → {engine.FramesPerChunk}×{engine.Classes}, " +
                    $"but the model package says {layout.Samples} samples → {layout.FramesPerChunk}×{valuesPerFrame}", parameter);
        }
    }

    /// <summary>Whether each read's last chunk is computed at its own length (<see cref="BasecallPipelineOptions.ShortLastChunks"/>).</summary>
    public bool ShortLastChunks => _layout.ShortLastChunk;

    /// <summary>Chunks per network call (of the part before the pooling, for a pooled model).</summary>
    public int BatchSize { get; }

    /// <summary>Windows per call of the part after the pooling; 0 for a model without pooling.</summary>
    public int BatchSizeAfterPooling { get; }

    /// <summary>Opens a signal file; <see cref="SignalFile.Open"/> unless a host (or a test) supplies its own source of reads.</summary>
    public Func<string, ISignalReader> OpenSignalFile { get; init; } = SignalFile.Open;

    /// <summary>
    /// Told (from the chunker's thread) of files whose reads are called with a warning: their run metadata does
    /// not tell their chemistry. Not problems: the reads are called and counted as called. Null to say nothing.
    /// </summary>
    public Action<ReadProblem>? Warn { get; init; }

    /// <summary>Running totals; safe to read while <see cref="RunAsync"/> runs.</summary>
    public PipelineCounters Counters { get; } = new();

    /// <summary>
    /// Calls every read of <paramref name="files"/> into <paramref name="writer"/>, reporting reads and
    /// files it cannot call through <paramref name="report"/> (from any thread) and going on with the rest.
    /// The writer is neither committed nor disposed.
    /// </summary>
    /// <exception cref="InferenceException">An engine failed; the run stops.</exception>
    public async Task RunAsync(IReadOnlyList<string> files, ICalledReadWriter writer, Action<ReadProblem> report,
        CancellationToken cancellationToken = default)
    {
        using var metrics = new PipelineMetrics(Counters);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var token = stop.Token;

        var reads = Bounded<Read>(_options.ReadQueue);
        var stitched = Bounded<ReadInProgress>(_options.CalledQueue);
        var called = Bounded<CalledRead>(_options.CalledQueue);
        metrics.ObserveQueue("chunker", reads.Reader);
        metrics.ObserveQueue("decoder", stitched.Reader);
        metrics.ObserveQueue("writer", called.Reader);

        var alphabet = new CtcAlphabet(_manifest.Alphabet, _manifest.Blank);
        var decoders = Enumerable.Range(0, Math.Max(1, _options.DecodeWorkers))
            .Select(_ => new DecodeNode(_options.BeamWidth > 1
                ? new BeamSearchCtcDecoder(alphabet, _options.BeamWidth)
                : new GreedyCtcDecoder(alphabet), _manifest.Name, _manifest.Stride))
            .ToList();

        var stages = new List<Task>
        {
            Stage(() => new ReadLoaderNode(files, OpenSignalFile, Counters, report).RunAsync(reads.Writer, token)),
        };
        stages.AddRange(ScoringStages(reads.Reader, stitched.Writer, report, metrics, token));
        stages.Add(Stage(async () =>
        {
            try
            {
                await Task.WhenAll(decoders.Select(d => Task.Run(() => d.RunAsync(stitched.Reader, called.Writer, token), token)));
                called.Writer.Complete();
            }
            catch (Exception e)
            {
                called.Writer.Complete(e);
                throw;
            }
        }));
        stages.Add(Stage(() => new WriterNode(writer, Counters).RunAsync(called.Reader, token)));
        await AwaitAll(stages, stop, cancellationToken);
    }

    /// <summary>
    /// Runs <paramref name="reads"/> through the network (both parts and the pooling between them, for a pooled model)
    /// and writes each read, with its stitched per-frame log-probabilities, to <paramref name="scored"/>, which is completed
    /// at the end. What <see cref="RunAsync"/> decodes; for checking a model's scores over whole reads.
    /// </summary>
    /// <exception cref="InferenceException">An engine failed; the run stops.</exception>
    public async Task ScoreAsync(ChannelReader<Read> reads, ChannelWriter<ReadInProgress> scored, Action<ReadProblem> report,
        CancellationToken cancellationToken = default)
    {
        using var metrics = new PipelineMetrics(Counters);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        await AwaitAll(ScoringStages(reads, scored, report, metrics, stop.Token), stop, cancellationToken);
    }

    /// <summary>The stages from reads to stitched scores: one pass for a plain model, two around the host's pooling for a pooled one.</summary>
    private List<Task> ScoringStages(ChannelReader<Read> reads, ChannelWriter<ReadInProgress> scored, Action<ReadProblem> report,
        PipelineMetrics metrics, CancellationToken token)
    {
        var chunks = Bounded<Chunk>(BatchSize);
        var budget = _manifest.Pooling is not null && _options.PoolingBudget is { } samples ? new SampleBudget(samples) : null;
        var stages = new List<Task>
        {
            Stage(() => new ChunkerNode(_manifest, _layout, _valuesPerFrame, Counters, report)
                    { IgnoreChemistry = _options.IgnoreChemistry, Warn = Warn, Budget = budget }
                .RunAsync(reads, chunks.Writer, token)),
        };
        metrics.ObserveQueue("batcher", chunks.Reader);
        if (_manifest.Pooling is null)
        {
            stages.AddRange(Pass("", chunks.Reader, _engines, _layout, _valuesPerFrame, BatchSize, scored, metrics, token));
            return stages;
        }
        var beforePooling = Bounded<ReadInProgress>(_options.CalledQueue);
        var windows = Bounded<Chunk>(BatchSizeAfterPooling);
        metrics.ObserveQueue("pooling", beforePooling.Reader);
        metrics.ObserveQueue("batcher-after-pooling", windows.Reader);
        stages.AddRange(Pass("", chunks.Reader, _engines, _layout, _valuesPerFrame, BatchSize, beforePooling.Writer, metrics, token));
        stages.Add(Stage(() => new PoolNode(_manifest, Counters) { Budget = budget }.RunAsync(beforePooling.Reader, windows.Writer, token)));
        stages.AddRange(Pass("-after-pooling", windows.Reader, _afterPooling, ChunkLayout.AfterPooling(_manifest), _manifest.Alphabet.Length,
            BatchSizeAfterPooling, scored, metrics, token));
        return stages;
    }

    /// <summary>One network over chunks: batch → infer → stitch, with its own pool of batches.</summary>
    private List<Task> Pass(string suffix, ChannelReader<Chunk> chunks, IReadOnlyList<IInferenceEngine> engines, ChunkLayout layout, int valuesPerFrame,
        int batchSize, ChannelWriter<ReadInProgress> stitched, PipelineMetrics metrics, CancellationToken token)
    {
        var batches = Bounded<ChunkBatch>(engines.Count);
        var inferred = Bounded<ChunkBatch>(engines.Count);
        var poolSize = engines.Count * _options.BatchesPerEngine + 1;
        var freeBatches = Channel.CreateBounded<ChunkBatch>(poolSize);
        for (var i = 0; i < poolSize; i++)
            freeBatches.Writer.TryWrite(new ChunkBatch(batchSize, layout.Samples, layout.FramesPerChunk, valuesPerFrame));
        metrics.ObserveQueue("inference" + suffix, batches.Reader);
        metrics.ObserveQueue("stitcher" + suffix, inferred.Reader);
        return
        [
            Stage(() => new BatcherNode(layout, freeBatches.Reader) { FlushAfter = _options.BatchFlushAfter }.RunAsync(chunks, batches.Writer, token)),
            Stage(() => new InferenceNode(engines, Counters) { Gate = _options.BatchGate }.RunAsync(batches.Reader, inferred.Writer, token)),
            Stage(() => new StitchNode(layout, freeBatches.Writer).RunAsync(inferred.Reader, stitched, token)),
        ];
    }

    /// <summary>
    /// Waits for every stage. The first failure stops every stage; its cause is thrown, not the closed channels and
    /// cancellations it caused downstream and upstream.
    /// </summary>
    private static async Task AwaitAll(List<Task> stages, CancellationTokenSource stop, CancellationToken cancellationToken)
    {
        var failures = new List<Exception>();
        var pending = stages.ToList();
        while (pending.Count > 0)
        {
            var done = await Task.WhenAny(pending);
            pending.Remove(done);
            if (done.Exception is { } e)
            {
                failures.AddRange(e.InnerExceptions);
                if (!stop.IsCancellationRequested) await stop.CancelAsync();
            }
        }
        cancellationToken.ThrowIfCancellationRequested();
        if (failures.Count > 0)
        {
            var causes = failures.Select(f => f is ChannelClosedException { InnerException: { } inner } ? inner : f).ToList();
            throw causes.FirstOrDefault(f => f is not OperationCanceledException and not ChannelClosedException) ?? causes[0];
        }
    }

    private static Channel<T> Bounded<T>(int capacity) =>
        Channel.CreateBounded<T>(new BoundedChannelOptions(Math.Max(1, capacity))
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = false,
            SingleWriter = false,
        });

    private static Task Stage(Func<Task> run) => Task.Run(run);
}
