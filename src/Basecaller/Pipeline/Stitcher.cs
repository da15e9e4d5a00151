namespace Dipper.Basecaller.Pipeline;

/// <summary>
/// Puts a chunk's output frames back into its read: copies the frames the <see cref="ChunkLayout"/>
/// keeps to where they belong in the read. Kept as a plain function, apart from the stage that calls
/// it, because the compiler's verification stitches engine outputs the same way.
/// </summary>
public static class Stitcher
{
    /// <summary>
    /// Copies the kept frames of chunk <paramref name="index"/> (its log-probs [frames per chunk, classes]
    /// in <paramref name="chunkLogProbs"/>) into the read's [frames, classes] <paramref name="readLogProbs"/>.
    /// </summary>
    public static void Stitch(ChunkLayout layout, int index, int chunkCount, int samples, int classes,
        ReadOnlySpan<float> chunkLogProbs, Span<float> readLogProbs)
    {
        var kept = layout.Kept(index, chunkCount, samples);
        chunkLogProbs.Slice(kept.First * classes, kept.Count * classes)
            .CopyTo(readLogProbs.Slice(kept.ReadStart * classes, kept.Count * classes));
    }
}
