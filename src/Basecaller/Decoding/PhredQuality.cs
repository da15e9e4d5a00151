namespace Dipper.Basecaller.Decoding;

/// <summary>
/// Per-base quality for CTC calls. A base is "emitted" at the frame its label first appears on the
/// chosen path and stays emitted over the following frames in which that label is still the most
/// probable class; its probability of being right is the mean posterior of its label over those
/// frames, and Q = −10·log10(1 − p), rounded, clamped to 1..50. Greedy and beam search use the same
/// rule, so their qualities are comparable; a base the network was unsure of (a short, low peak
/// between blanks) gets a low score, a long confident peak a high one.
/// </summary>
public static class PhredQuality
{
    /// <summary>Lowest quality written (an error probability of about 0.8).</summary>
    public const int Min = 1;

    /// <summary>Highest quality written; posteriors closer to 1 than 1e-5 say more about the network's calibration than about the base.</summary>
    public const int Max = 50;

    /// <summary>FASTQ's ASCII offset.</summary>
    public const int AsciiOffset = 33;

    // 10^(-Q/10) for the qualities a caller writes, so a read's mean quality costs an addition per base.
    private static readonly double[] ErrorOfQuality = Enumerable.Range(0, Max + 1).Select(q => Math.Pow(10, -q / 10.0)).ToArray();

    /// <summary>Quality character of the base with label <paramref name="label"/> emitted from <paramref name="firstFrame"/>.</summary>
    /// <param name="logProbs">Row-major [frames, classes] log-probabilities of the read.</param>
    /// <param name="classes">Classes per frame.</param>
    /// <param name="label">Class index of the emitted base.</param>
    /// <param name="firstFrame">Frame at which the base was emitted.</param>
    /// <param name="endFrame">The base's span ends before this frame (the next base's emission, or the read's end).</param>
    public static char ForEmission(ReadOnlySpan<float> logProbs, int classes, int label, int firstFrame, int endFrame)
    {
        double sum = 0;
        var count = 0;
        for (var t = firstFrame; t < endFrame || t == firstFrame; t++)
        {
            var row = logProbs.Slice(t * classes, classes);
            if (t > firstFrame && ArgMax(row) != label) break;
            sum += Math.Exp(row[label]);
            count++;
        }
        return ToChar(sum / count);
    }

    /// <summary>Quality character for a base whose probability of being right is <paramref name="probability"/>.</summary>
    public static char ToChar(double probability)
    {
        var error = 1.0 - probability;
        var q = error <= 0 ? Max : (int)Math.Round(-10.0 * Math.Log10(error));
        return (char)(AsciiOffset + Math.Clamp(q, Min, Max));
    }

    /// <summary>Index of the largest value, the first one on ties (as numpy's argmax, which the reference uses).</summary>
    internal static int ArgMax(ReadOnlySpan<float> row)
    {
        var best = 0;
        var value = row[0];
        for (var c = 1; c < row.Length; c++)
        {
            if (row[c] > value)
            {
                value = row[c];
                best = c;
            }
        }
        return best;
    }
}
