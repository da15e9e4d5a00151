namespace Dipper.Basecaller.Decoding;

/// <summary>
/// Where each base was called along the signal, as Dorado's <c>mv</c> tag carries it: one entry per frame of
/// network output (one frame per <see cref="Stride"/> samples), 1 where a base starts and 0 elsewhere. Tools that
/// re-align signal to bases (modkit, f5c, squigualiser) read it, so the ones sum to the sequence length and the
/// table spans the signal the network saw: <see cref="Moves"/>.Length × <see cref="Stride"/> samples, the read's
/// samples rounded up to a whole frame.
/// </summary>
/// <param name="Stride">Samples per frame (the model's stride).</param>
/// <param name="Moves">One byte per frame: 1 where a base starts.</param>
public sealed record MoveTable(int Stride, byte[] Moves)
{
    /// <summary>
    /// The table of a call from the frame at which each base starts on the CTC path (<see cref="DecodedSequence.BaseFrames"/>).
    /// </summary>
    /// <remarks>
    /// A move table cannot put two bases in one frame, and its bases must keep their order. Greedy decoding's
    /// frames already do both. Beam search can report a base's frame later than the next base's (a prefix that left
    /// the beam and came back records its return); such frames are pulled back to just before the next base, and
    /// then pushed forward past the one before, which keeps every base within the read's frames since a CTC path
    /// emits at most one base per frame.
    /// </remarks>
    /// <exception cref="ArgumentException">More bases than frames, which no CTC path can give.</exception>
    public static MoveTable FromPath(IReadOnlyList<int> baseFrames, int frames, int stride)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1);
        var count = baseFrames.Count;
        if (count > frames) throw new ArgumentException($"{count} bases cannot start in {frames} frames", nameof(baseFrames));
        var starts = new int[count];
        var next = frames;
        for (var i = count - 1; i >= 0; i--) next = starts[i] = Math.Min(baseFrames[i], next - 1);
        var previous = -1;
        for (var i = 0; i < count; i++) previous = starts[i] = Math.Max(starts[i], previous + 1);
        var moves = new byte[frames];
        foreach (var start in starts) moves[start] = 1;
        return new MoveTable(stride, moves);
    }

    /// <summary>Bases the table places: the number of ones.</summary>
    public int Bases => Moves.Count(m => m != 0);
}
