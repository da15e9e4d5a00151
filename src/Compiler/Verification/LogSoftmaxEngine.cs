using Dipper.Basecaller.Inference;

namespace Dipper.Compiler.Verification;

/// <summary>
/// Applies the log-softmax over each frame's classes to another engine's output: for a model
/// compiled with the log-softmax left to the host, whose output holds class scores. Harmless on
/// log-probabilities (they come out unchanged).
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
        var values = logProbs[..(chunkCount * FramesPerChunk * Classes)];
        for (var start = 0; start < values.Length; start += Classes)
        {
            var frame = values.Slice(start, Classes);
            var max = float.NegativeInfinity;
            foreach (var v in frame) max = Math.Max(max, v);
            double sum = 0;
            foreach (var v in frame) sum += Math.Exp(v - max);
            var log = (float)(max + Math.Log(sum));
            for (var c = 0; c < Classes; c++) frame[c] -= log;
        }
    }

    /// <inheritdoc />
    public void Dispose() => inner.Dispose();
}
