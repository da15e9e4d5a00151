using Dipper.Basecaller.Inference;

namespace Dipper.Device.Engines;

/// <summary>
/// An engine that counts the batches it computes and fails, for the status page's engines table. Failover
/// engines count for each of their members themselves; a plain engine (an ONNX Runtime or TFLite worker)
/// is wrapped in this, or the table would show it idle however much it called. <paramref name="name"/> tells engines of
/// one kind apart where they run different networks (the two parts of a pooled model); null keeps the engine's own name.
/// </summary>
public sealed class CountedEngine(IInferenceEngine engine, string? name = null) : IInferenceEngine
{
    private long _batches, _failures;
    private volatile string? _lastError;

    /// <summary>The engine counted.</summary>
    public IInferenceEngine Engine { get; } = engine;

    /// <summary>Batches computed.</summary>
    public long Batches => Interlocked.Read(ref _batches);

    /// <summary>Batches the engine failed.</summary>
    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>The message of the last failure, or null.</summary>
    public string? LastError => _lastError;

    /// <inheritdoc />
    public string Name => name ?? Engine.Name;

    /// <inheritdoc />
    public int ChunkSamples => Engine.ChunkSamples;

    /// <inheritdoc />
    public int FramesPerChunk => Engine.FramesPerChunk;

    /// <inheritdoc />
    public int Classes => Engine.Classes;

    /// <inheritdoc />
    public int MaxBatch => Engine.MaxBatch;

    /// <inheritdoc />
    public void Infer(ReadOnlySpan<float> chunks, int chunkCount, Span<float> logProbs) => Infer(chunks, chunkCount, ChunkSamples, logProbs);

    /// <inheritdoc />
    public bool TakesShorterChunks => Engine.TakesShorterChunks;

    /// <inheritdoc />
    public void Infer(ReadOnlySpan<float> chunks, int chunkCount, int chunkSamples, Span<float> logProbs)
    {
        try
        {
            Engine.Infer(chunks, chunkCount, chunkSamples, logProbs);
        }
        catch (InferenceException e)
        {
            _lastError = e.Message;
            Interlocked.Increment(ref _failures);
            throw;
        }
        Interlocked.Increment(ref _batches);
    }

    /// <summary>Disposes the engine counted.</summary>
    public void Dispose() => Engine.Dispose();
}
