using System.Buffers;
using Dipper.Basecaller.Inference;

namespace Dipper.Basecaller.Pipeline;

/// <summary>
/// The first part of a pooled model's output for one read, pooled as its chunks come back from the engines instead of
/// stitched over the whole read first. The pooling must see the read's frames in order (positions are a prefix sum), but
/// batches come back from several engines in any order: a chunk that arrives before the ones ahead of it keeps its kept
/// frames (<see cref="ChunkLayout.Kept"/>, a rented buffer) until they are in, so at most the chunks in circulation wait,
/// whatever the read's length. Used by one stitcher thread at a time.
/// </summary>
internal sealed class InOrderPooling
{
    private readonly IncrementalPooling _pooling;
    private readonly Dictionary<int, (float[] Values, int Count)> _early = [];
    private int _next;

    /// <summary>Starts a read of <paramref name="samples"/> samples, one first-part frame per sample.</summary>
    public InOrderPooling(int samples, int features, float scale, double meanMove)
    {
        // Room for the pooled frames the mean move gives and a little over; grown when the read pools to more.
        _pooling = new IncrementalPooling(features, scale, (int)(samples * meanMove * 1.05) + 16);
    }

    /// <summary>
    /// Takes chunk <paramref name="index"/>'s output (<paramref name="chunkOutput"/>, [frames per chunk, features + 2]) and
    /// pools every chunk now in order; true when the read's last chunk has been pooled.
    /// </summary>
    public bool Stitch(ChunkLayout layout, int index, int chunkCount, int samples, int valuesPerFrame, ReadOnlySpan<float> chunkOutput)
    {
        var kept = layout.Kept(index, chunkCount, samples);
        var frames = chunkOutput.Slice(kept.First * valuesPerFrame, kept.Count * valuesPerFrame);
        if (index != _next)
        {
            var copy = ArrayPool<float>.Shared.Rent(frames.Length);
            frames.CopyTo(copy);
            _early.Add(index, (copy, frames.Length));
            return false;
        }
        Pool(kept, frames);
        while (_early.Remove(_next, out var early))
        {
            Pool(layout.Kept(_next, chunkCount, samples), early.Values.AsSpan(0, early.Count));
            ArrayPool<float>.Shared.Return(early.Values);
        }
        return _next == chunkCount;
    }

    /// <summary>The pooled read (<see cref="IncrementalPooling.Finish"/>), once every chunk is in.</summary>
    public float[] Finish(out int length) => _pooling.Finish(out length);

    private void Pool(KeptFrames kept, ReadOnlySpan<float> frames)
    {
        // Kept ranges tile the read in chunk order; pooling them one after another is pooling the stitched read.
        if (kept.ReadStart != _pooling.Frames)
            throw new InvalidOperationException($"chunk {_next} starts at frame {kept.ReadStart}, but {_pooling.Frames} frames are pooled");
        _pooling.Add(frames);
        _next++;
    }
}
