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
/// others back instead of letting reads pile up in memory.
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
/// </remarks>
public sealed class BasecallPipeline
{
    private readonly ModelManifest _manifest;
    private readonly IReadOnlyList<IInferenceEngine> _engines;
    private readonly BasecallPipelineOptions _options;
    private readonly ChunkLayout _layout;

    /// <summary>Creates a pipeline for a model and engines (one inference worker per engine; engines are not owned).</summary>
    public BasecallPipeline(ModelManifest manifest, IReadOnlyList<IInferenceEngine> engines, BasecallPipelineOptions? options = null)
    {
        if (engines.Count == 0) throw new ArgumentException("at least one inference engine is needed", nameof(engines));
        _manifest = manifest;
        _engines = engines;
        _options = options ?? new BasecallPipelineOptions();
        _layout = ChunkLayout.From(manifest);
        foreach (var engine in engines)
        {
            if (engine.ChunkSamples != _layout.Samples || engine.FramesPerChunk != _layout.FramesPerChunk || engine.Classes != manifest.Alphabet.Length)
                throw new ArgumentException(
                    $"engine {engine.Name} takes {engine.ChunkSamples} samples → {engine.FramesPerChunk}×{engine.Classes}, " +
                    $"but the model package says {_layout.Samples} samples → {_layout.FramesPerChunk}×{manifest.Alphabet.Length}", nameof(engines));
        }
        BatchSize = engines.Min(e => e.MaxBatch);
    }

    /// <summary>Chunks per network call.</summary>
    public int BatchSize { get; }

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
        var chunks = Bounded<Chunk>(BatchSize);
        var batches = Bounded<ChunkBatch>(_engines.Count);
        var inferred = Bounded<ChunkBatch>(_engines.Count);
        var stitched = Bounded<ReadInProgress>(_options.CalledQueue);
        var called = Bounded<CalledRead>(_options.CalledQueue);
        var poolSize = _engines.Count * _options.BatchesPerEngine + 1;
        var freeBatches = Channel.CreateBounded<ChunkBatch>(poolSize);
        for (var i = 0; i < poolSize; i++)
            freeBatches.Writer.TryWrite(new ChunkBatch(BatchSize, _layout.Samples, _layout.FramesPerChunk, _manifest.Alphabet.Length));
        metrics.ObserveQueue("chunker", reads.Reader);
        metrics.ObserveQueue("batcher", chunks.Reader);
        metrics.ObserveQueue("inference", batches.Reader);
        metrics.ObserveQueue("stitcher", inferred.Reader);
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
            Stage(() => new ChunkerNode(_manifest, Counters, report) { IgnoreChemistry = _options.IgnoreChemistry, Warn = Warn }
                .RunAsync(reads.Reader, chunks.Writer, token)),
            Stage(() => new BatcherNode(_layout, freeBatches.Reader) { FlushAfter = _options.BatchFlushAfter }
                .RunAsync(chunks.Reader, batches.Writer, token)),
            Stage(() => new InferenceNode(_engines, Counters) { Gate = _options.BatchGate }.RunAsync(batches.Reader, inferred.Writer, token)),
            Stage(() => new StitchNode(_layout, freeBatches.Writer).RunAsync(inferred.Reader, stitched.Writer, token)),
            Stage(async () =>
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
            }),
            Stage(() => new WriterNode(writer, Counters).RunAsync(called.Reader, token)),
        };

        // The first failure stops every stage. Report its cause, not the closed channels and
        // cancellations it caused downstream and upstream.
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
