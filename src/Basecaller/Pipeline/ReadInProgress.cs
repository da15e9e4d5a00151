using System.Buffers;
using Dipper.Basecaller.Inference;
using Dipper.Basecaller.Models;
using Dipper.Basecaller.Signal;

namespace Dipper.Basecaller.Pipeline;

/// <summary>
/// A read between normalisation and decoding: its normalised signal while chunks are still being cut
/// from it, and the stitched log-probabilities filling up as its chunks come back from the engines.
/// Both buffers are rented from the shared pool and returned as soon as they are no longer needed,
/// so a long run does not churn the garbage collector with multi-megabyte arrays. For a pooled model a read
/// passes twice: first its signal through the part before the pooling (whose output is pooled as its chunks come back,
/// <see cref="Pooling"/>), then its pooled frames (the input, <see cref="InputLength"/> values) through the part after it.
/// </summary>
public sealed class ReadInProgress
{
    private float[]? _normalised;
    private readonly bool _inputRented;
    private float[]? _logProbs;
    private InOrderPooling? _pooling;
    private int _chunksPending;

    internal ReadInProgress(Read read, ChunkLayout layout, int classes)
        : this(read, layout, classes, ArrayPool<float>.Shared.Rent(read.SampleCount), read.SampleCount, rented: true)
    {
        _logProbs = ArrayPool<float>.Shared.Rent(Frames * classes);
    }

    /// <summary>
    /// A read on its way through the part of a pooled model before the pooling: its chunks' output is pooled as it comes
    /// (<see cref="Pooling"/>), not stitched into per-frame scores, so it has no <see cref="LogProbs"/>.
    /// </summary>
    internal ReadInProgress(Read read, ChunkLayout layout, PoolingSettings pooling)
        : this(read, layout, pooling.Features + 2, ArrayPool<float>.Shared.Rent(read.SampleCount), read.SampleCount, rented: true)
    {
        _pooling = new InOrderPooling(read.SampleCount, pooling.Features, pooling.Scale, pooling.MeanMove);
    }

    /// <summary>A read whose network input is <paramref name="input"/> (the pooled frames of a pooled model), not its signal.</summary>
    internal ReadInProgress(Read read, ChunkLayout layout, int classes, float[] input, int inputLength)
        : this(read, layout, classes, input, inputLength, rented: false)
    {
        _logProbs = ArrayPool<float>.Shared.Rent(Frames * classes);
    }

    private ReadInProgress(Read read, ChunkLayout layout, int classes, float[] input, int inputLength, bool rented)
    {
        Read = read;
        InputLength = inputLength;
        ChunkCount = layout.ChunkCount(inputLength);
        Frames = layout.ReadFrames(inputLength);
        Classes = classes;
        _chunksPending = ChunkCount;
        _normalised = input;
        _inputRented = rented;
    }

    /// <summary>Values of the network input the chunks are cut from: the read's samples, or its pooled frames × features.</summary>
    public int InputLength { get; }

    /// <summary>The read as it came from the file.</summary>
    public Read Read { get; }

    /// <summary>Chunks the read was cut into.</summary>
    public int ChunkCount { get; }

    /// <summary>Output frames of the whole read.</summary>
    public int Frames { get; }

    /// <summary>Classes per frame.</summary>
    public int Classes { get; }

    /// <summary>The normalised signal (or pooled frames), until every chunk has been copied into a batch.</summary>
    internal Span<float> Normalised =>
        (_normalised ?? throw new InvalidOperationException($"read {Read.ReadId}: normalised signal already released")).AsSpan(0, InputLength);

    /// <summary>The read's log-probabilities, row-major [Frames, Classes], until decoded.</summary>
    public ReadOnlySpan<float> LogProbs => WritableLogProbs;

    internal Span<float> WritableLogProbs =>
        (_logProbs ?? throw new InvalidOperationException($"read {Read.ReadId}: log-probabilities already released")).AsSpan(0, Frames * Classes);

    /// <summary>The pooling its first-part chunks go into, for a read before the pooling of a pooled model; otherwise null.</summary>
    internal InOrderPooling? Pooling => _pooling;

    /// <summary>The pooled read, frames-major (<see cref="IncrementalPooling.Finish"/>); the pooling is let go.</summary>
    internal float[] FinishPooling(out int length)
    {
        var pooling = _pooling ?? throw new InvalidOperationException($"read {Read.ReadId}: not pooled here, or already pooled");
        _pooling = null;
        return pooling.Finish(out length);
    }

    /// <summary>Marks one chunk stitched; true when it was the read's last.</summary>
    internal bool ChunkStitched() => Interlocked.Decrement(ref _chunksPending) == 0;

    internal void ReleaseNormalised()
    {
        if (_normalised is { } buffer && _inputRented) ArrayPool<float>.Shared.Return(buffer);
        _normalised = null;
    }

    internal void ReleaseLogProbs()
    {
        if (_logProbs is { } buffer) ArrayPool<float>.Shared.Return(buffer);
        _logProbs = null;
    }
}
