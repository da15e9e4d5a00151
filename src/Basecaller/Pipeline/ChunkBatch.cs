namespace Dipper.Basecaller.Pipeline;

/// <summary>
/// Chunks from one or more reads packed for a single network call, with the call's input and output
/// buffers. A fixed set of batches circulates between the batcher, the engines and the stitcher and
/// is reused, which both bounds memory and removes per-batch allocation.
/// </summary>
public sealed class ChunkBatch
{
    internal ChunkBatch(int capacity, int chunkSamples, int framesPerChunk, int classes)
    {
        Capacity = capacity;
        Chunks = new Chunk[capacity];
        Signal = new float[capacity * chunkSamples];
        LogProbs = new float[capacity * framesPerChunk * classes];
    }

    /// <summary>Most chunks the batch holds.</summary>
    public int Capacity { get; }

    /// <summary>Chunks in the batch now.</summary>
    public int Count { get; internal set; }

    /// <summary>The chunks, first <see cref="Count"/> valid.</summary>
    public Chunk[] Chunks { get; }

    /// <summary>Network input, row-major [Capacity, chunk samples].</summary>
    public float[] Signal { get; }

    /// <summary>Network output, row-major [Capacity, frames, classes].</summary>
    public float[] LogProbs { get; }

    internal void Clear()
    {
        Array.Clear(Chunks, 0, Count);
        Count = 0;
    }
}
