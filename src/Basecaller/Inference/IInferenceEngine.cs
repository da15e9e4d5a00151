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

    /// <summary>Largest number of chunks one <see cref="Infer"/> call accepts; models with a static batch accept exactly this many or fewer (padded).</summary>
    int MaxBatch { get; }

    /// <summary>Computes log-probabilities for <paramref name="chunkCount"/> chunks.</summary>
    /// <exception cref="InferenceException">The back end failed (device removed, runtime error); the batch may be retried elsewhere.</exception>
    void Infer(ReadOnlySpan<float> chunks, int chunkCount, Span<float> logProbs);
}
