namespace Dipper.Basecaller.Decoding;

/// <summary>
/// The bases called for one read and a Phred quality for each (FASTQ encoding, ASCII 33 + Q), kept
/// together because every consumer (FASTQ, summaries, identity checks) needs them in step.
/// </summary>
/// <param name="Bases">Called bases, 5' to 3' in sequencing order (e.g. "ACGGT").</param>
/// <param name="Qualities">One character per base: ASCII 33 + Phred quality (see <see cref="PhredQuality"/>).</param>
public sealed record DecodedSequence(string Bases, string Qualities)
{
    /// <summary>The call of a read with no bases.</summary>
    public static DecodedSequence Empty { get; } = new("", "") { BaseFrames = [] };

    /// <summary>
    /// For each base, the frame of the read's stitched network output where its CTC emission starts (one frame
    /// per model stride of signal): the CTC path, which says which stretch of signal each base came from.
    /// Labelling training chunks needs it to cut a read's reference along its signal, and the move table
    /// (<see cref="MoveTable"/>) is made from it. Beam search gives the frame at which the winning prefix took the
    /// base, which can run out of order where a prefix left the beam and came back; greedy decoding's frames are in order.
    /// Null when a decoder does not track it.
    /// </summary>
    public IReadOnlyList<int>? BaseFrames { get; init; }
}
