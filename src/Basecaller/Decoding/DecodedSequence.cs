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
    public static DecodedSequence Empty { get; } = new("", "");
}
