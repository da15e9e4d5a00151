using Dipper.Basecaller.Inference;

namespace Dipper.Basecaller.Tests.Pipeline;

/// <summary>
/// A stand-in network whose every output frame depends only on its own <see cref="Stride"/> input
/// samples, so calling a read chunk by chunk must give exactly what calling it whole gives.
/// <paramref name="failed"/> is set when the engine fails; an engine given <paramref name="holdUntil"/> runs no batch
/// before that event is set (at most 30 s), so a test can make sure a failing engine gets its batches on a busy machine.
/// </summary>
/// With <paramref name="takesShorterChunks"/> it also computes chunks shorter than <paramref name="chunkSamples"/>, as ONNX Runtime
/// does on a model whose time axis is dynamic, and records their lengths.
internal sealed class FrameFunctionEngine(int chunkSamples, int maxBatch, int failAfterBatches = int.MaxValue,
    ManualResetEventSlim? failed = null, ManualResetEventSlim? holdUntil = null, bool takesShorterChunks = false) : IInferenceEngine
{
    public const int Stride = 3;
    public const int ClassCount = 5;
    private int _batches;

    public string Name => "frame-function";
    public int ChunkSamples { get; } = chunkSamples;
    public int FramesPerChunk => ChunkSamples / Stride;
    public int Classes => ClassCount;
    public int MaxBatch { get; } = maxBatch;
    public int BatchesRun => _batches;
    public bool Disposed { get; private set; }

    public bool TakesShorterChunks => takesShorterChunks;
    public System.Collections.Concurrent.ConcurrentBag<(int Chunks, int Samples)> ShortBatches { get; } = [];

    public void Infer(ReadOnlySpan<float> chunks, int chunkCount, Span<float> logProbs) => Compute(chunks, chunkCount, FramesPerChunk, logProbs);

    public void Infer(ReadOnlySpan<float> chunks, int chunkCount, int chunkSamples, Span<float> logProbs)
    {
        if (chunkSamples == ChunkSamples)
        {
            Infer(chunks, chunkCount, logProbs);
            return;
        }
        if (!takesShorterChunks) throw new NotSupportedException($"{Name} computes whole chunks only");
        if (chunkSamples > ChunkSamples || chunkSamples % Stride != 0) throw new ArgumentOutOfRangeException(nameof(chunkSamples));
        ShortBatches.Add((chunkCount, chunkSamples));
        Compute(chunks, chunkCount, chunkSamples / Stride, logProbs);
    }

    private void Compute(ReadOnlySpan<float> chunks, int chunkCount, int frames, Span<float> logProbs)
    {
        holdUntil?.Wait(TimeSpan.FromSeconds(30));
        if (Interlocked.Increment(ref _batches) > failAfterBatches)
        {
            failed?.Set();
            throw new InferenceException(Name, "device unplugged");
        }
        for (var i = 0; i < chunkCount * frames; i++)
            Frame(chunks.Slice(i * Stride, Stride), logProbs.Slice(i * Classes, Classes));
    }

    /// <summary>Log-probabilities of one frame from its samples.</summary>
    public static void Frame(ReadOnlySpan<float> samples, Span<float> logProbs)
    {
        var x = (samples[0] + samples[1] + samples[2]) / 3f;
        Span<float> logits = stackalloc float[ClassCount];
        logits[0] = 1.5f;
        for (var c = 1; c < ClassCount; c++) logits[c] = 3f * MathF.Cos(x * (c + 1) * 2f);
        var max = float.NegativeInfinity;
        foreach (var l in logits) max = MathF.Max(max, l);
        var sum = 0f;
        foreach (var l in logits) sum += MathF.Exp(l - max);
        var log = MathF.Log(sum);
        for (var c = 0; c < ClassCount; c++) logProbs[c] = logits[c] - max - log;
    }

    public void Dispose() => Disposed = true;
}
