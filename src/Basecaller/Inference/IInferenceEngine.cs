namespace Dipper.Basecaller.Inference;

/// <summary>
/// Runs the base-calling network on batches of normalised signal chunks. One interface for every
/// back end (ONNX Runtime, TFLite on the CPU, the Edge TPU) so the pipeline, the service's failover
/// and the compiler's verification do not care which one does the arithmetic.
/// </summary>
/// <remarks>
/// Layouts are row-major: input [chunkCount, ChunkSamples] float32 (normalised signal), output
/// [chunkCount, FramesPerChunk, Classes] float32 log-probabilities. An engine may be called from one
/// thread at a time; the pipeline creates one engine per worker thread.
/// </remarks>
public interface IInferenceEngine : IDisposable
{
    /// <summary>Short name for logs, summaries and FASTQ headers ("onnx", "tflite", "edgetpu:/sys/bus/usb/devices/2-1").</summary>
    string Name { get; }

    /// <summary>Samples per chunk the network takes.</summary>
    int ChunkSamples { get; }

    /// <summary>Output frames per chunk (ChunkSamples / stride).</summary>
    int FramesPerChunk { get; }

    /// <summary>Output classes per frame (alphabet size including the blank).</summary>
    int Classes { get; }

    /// <summary>Largest number of chunks one Infer call accepts; models with a static batch accept exactly this many or fewer (padded).</summary>
    int MaxBatch { get; }

    /// <summary>Computes log-probabilities for <paramref name="chunkCount"/> chunks.</summary>
    /// <exception cref="InferenceException">The back end failed (device removed, runtime error); the batch may be retried elsewhere.</exception>
    void Infer(ReadOnlySpan<float> chunks, int chunkCount, Span<float> logProbs);

    /// <summary>
    /// Whether the engine takes chunks shorter than <see cref="ChunkSamples"/>
    /// (<see cref="Infer(ReadOnlySpan{float}, int, int, Span{float})"/>): true for a network whose time axis is dynamic, so
    /// that a read's last chunk can be computed at its own length instead of zero-padded to a whole chunk, which is work
    /// for nothing. False (the default) for networks of a fixed shape: the int8 TFLite and Edge TPU models.
    /// </summary>
    bool TakesShorterChunks => false;

    /// <summary>
    /// Computes log-probabilities for <paramref name="chunkCount"/> chunks of <paramref name="chunkSamples"/> samples each, a
    /// whole number of frames and at most <see cref="ChunkSamples"/>: input [chunkCount, chunkSamples], output
    /// [chunkCount, chunkSamples / stride, Classes]. Chunks shorter than <see cref="ChunkSamples"/> need
    /// <see cref="TakesShorterChunks"/>.
    /// </summary>
    /// <exception cref="NotSupportedException">A shorter chunk for an engine that does not take one.</exception>
    /// <exception cref="InferenceException">The back end failed; the batch may be retried elsewhere.</exception>
    void Infer(ReadOnlySpan<float> chunks, int chunkCount, int chunkSamples, Span<float> logProbs)
    {
        if (chunkSamples != ChunkSamples)
            throw new NotSupportedException($"engine {Name} computes chunks of {ChunkSamples} samples only, not {chunkSamples}");
        Infer(chunks, chunkCount, logProbs);
    }
}
