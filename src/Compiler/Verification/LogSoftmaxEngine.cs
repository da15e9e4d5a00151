using Dipper.Basecaller.Inference;

namespace Dipper.Compiler.Verification;

/// <summary>
/// Applies the log-softmax over each frame's classes (<see cref="FrameLogSoftmax"/>) to another engine's
/// output: for engines that do not read the manifest's <c>tfliteOutputIsLogits</c> themselves (the compiler's
/// verification builds its engines from bare model files). Harmless on log-probabilities.
/// </summary>
public sealed class LogSoftmaxEngine(IInferenceEngine inner) : IInferenceEngine
{
    /// <inheritdoc />
    public string Name => inner.Name;

    /// <inheritdoc />
    public int ChunkSamples => inner.ChunkSamples;

    /// <inheritdoc />
    public int FramesPerChunk => inner.FramesPerChunk;

    /// <inheritdoc />
    public int Classes => inner.Classes;

    /// <inheritdoc />
    public int MaxBatch => inner.MaxBatch;

    /// <inheritdoc />
    public void Infer(ReadOnlySpan<float> chunks, int chunkCount, Span<float> logProbs)
    {
        inner.Infer(chunks, chunkCount, logProbs);
        FrameLogSoftmax.Apply(logProbs[..(chunkCount * FramesPerChunk * Classes)], Classes);
    }

    /// <inheritdoc />
    public void Dispose() => inner.Dispose();
}
