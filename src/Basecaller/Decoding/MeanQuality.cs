namespace Dipper.Basecaller.Decoding;

/// <summary>
/// A read's mean quality as Guppy and Dorado report it (<c>mean_qscore_template</c>): the Phred score of the
/// mean error probability over its bases, not the mean of their scores. Averaging scores would let a few
/// confident bases hide many doubtful ones (Q40 and Q2 average to Q21, yet their errors average to Q5).
/// Every base counts: Dorado can leave out the first bases of a read (a per-model setting), Dipper's models set none.
/// </summary>
public static class MeanQuality
{
    // Error probability of each FASTQ quality character: one table instead of a power per base.
    private static readonly double[] ErrorOf = [.. Enumerable.Range(0, 128).Select(c => Math.Pow(10, -Math.Max(0, c - PhredQuality.AsciiOffset) / 10.0))];

    /// <summary>
    /// The mean quality of a read from its FASTQ quality string (ASCII 33 + Q); 0 for a read with no bases. Rounded to
    /// the six decimals the sequencing summary shows, so that a read exactly at a threshold (Q10 throughout) is not put
    /// below it by the last bit of a logarithm. BAM's <c>qs</c>, the summary, the pass/fail split and the status page use it.
    /// </summary>
    public static double Of(ReadOnlySpan<char> qualities)
    {
        if (qualities.IsEmpty) return 0;
        double errors = 0;
        foreach (var c in qualities) errors += c < ErrorOf.Length ? ErrorOf[c] : Math.Pow(10, -(c - PhredQuality.AsciiOffset) / 10.0);
        return Math.Round(-10 * Math.Log10(errors / qualities.Length), 6);
    }
}
