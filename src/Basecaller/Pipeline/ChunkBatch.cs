namespace Dipper.Basecaller.Pipeline;

/// <summary>
/// Chunks from one or more reads packed for a single network call, with the call's input and output
/// buffers. A fixed set of batches circulates between the batcher, the engines and the stitcher and
/// is reused, which both bounds memory and removes per-batch allocation.
/// </summary>
public sealed class ChunkBatch
{
    private readonly int _wholeChunkSamples;
    private readonly int _wholeChunkFrames;

    internal ChunkBatch(int capacity, int chunkSamples, int framesPerChunk, int classes)
    {
        Capacity = capacity;
        Chunks = new Chunk[capacity];
        Signal = new float[capacity * chunkSamples];
        LogProbs = new float[capacity * framesPerChunk * classes];
        (_wholeChunkSamples, _wholeChunkFrames) = (chunkSamples, framesPerChunk);
        (ChunkSamples, FramesPerChunk) = (chunkSamples, framesPerChunk);
    }

    /// <summary>
    /// Samples of each chunk in the batch now: the layout's whole chunk, or fewer for a batch holding a read's short last
    /// chunk (<see cref="ChunkLayout.ShortLastChunk"/>). The buffers are laid out by it.
    /// </summary>
    public int ChunkSamples { get; private set; }

    /// <summary>Output frames of each chunk in the batch now.</summary>
    public int FramesPerChunk { get; private set; }

    /// <summary>Most chunks the batch holds.</summary>
    public int Capacity { get; }

    /// <summary>Chunks in the batch now.</summary>
    public int Count { get; internal set; }

    /// <summary>The chunks, first <see cref="Count"/> valid.</summary>
    public Chunk[] Chunks { get; }

    /// <summary>Network input, row-major [Count, <see cref="ChunkSamples"/>].</summary>
    public float[] Signal { get; }

    /// <summary>Network output, row-major [Count, <see cref="FramesPerChunk"/>, classes].</summary>
    public float[] LogProbs { get; }

    /// <summary>Lays an empty batch out for chunks of <paramref name="samples"/> samples (<paramref name="frames"/> frames), at most a whole chunk.</summary>
    internal void Shorten(int samples, int frames)
    {
        if (Count != 0) throw new InvalidOperationException("only an empty batch can be laid out anew");
        if (samples > _wholeChunkSamples || frames > _wholeChunkFrames)
            throw new ArgumentOutOfRangeException(nameof(samples), $"a chunk of {samples} samples does not fit a batch of {_wholeChunkSamples}-sample chunks");
        (ChunkSamples, FramesPerChunk) = (samples, frames);
    }

    internal void Clear()
    {
        Array.Clear(Chunks, 0, Count);
        Count = 0;
        (ChunkSamples, FramesPerChunk) = (_wholeChunkSamples, _wholeChunkFrames);
    }
}
