using Dipper.Basecaller.Inference;

namespace Dipper.Bench.Quantise;

/// <summary>For packages compiled with --host-log-softmax: the log-softmax over each frame's classes, after the engine.</summary>
internal sealed class HostLogSoftmax(IInferenceEngine inner) : IInferenceEngine
{
    public string Name => inner.Name;

    public int ChunkSamples => inner.ChunkSamples;

    public int FramesPerChunk => inner.FramesPerChunk;

    public int Classes => inner.Classes;

    public int MaxBatch => inner.MaxBatch;

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

    public void Dispose() => inner.Dispose();
}
