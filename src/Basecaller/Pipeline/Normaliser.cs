using Dipper.Basecaller.Models;

namespace Dipper.Basecaller.Pipeline;

/// <summary>
/// Scales a read's raw samples the way the model saw them in training: (x − median) / (MadScale × MAD)
/// over the whole read, clipped to ±Clip. Median and MAD are robust to the spikes and pore blocks
/// that ruin a mean and standard deviation, and the transform is affine-invariant, so the raw ADC
/// counts can be used directly, without calibration to pA.
/// </summary>
/// <remarks>
/// Results are bit-identical to the reference's numpy code: medians are exact (the mean of the two
/// middle values for even counts) and the arithmetic is float32, with the scaled MAD computed in double
/// and rounded once to float32, as numpy 1.x does. Medians come from a histogram over the int16 range,
/// linear in the read length instead of a sort; an instance keeps its histograms between reads.
/// </remarks>
public sealed class Normaliser
{
    private readonly NormalisationSettings _settings;
    private readonly int[] _counts = new int[ushort.MaxValue + 1];
    private readonly int[] _deviations = new int[2 * ushort.MaxValue + 1];

    /// <summary>Creates a normaliser for the model's settings.</summary>
    public Normaliser(NormalisationSettings settings)
    {
        if (settings.Method != NormalisationMethod.MedianMad)
            throw new NotSupportedException($"normalisation '{settings.Method}' is not supported");
        _settings = settings;
    }

    /// <summary>
    /// Writes the normalised signal into <paramref name="normalised"/> (at least as long as the signal)
    /// and returns the median and scale used.
    /// </summary>
    /// <exception cref="ArgumentException">The signal is empty.</exception>
    public (float Median, float Scale) Normalise(ReadOnlySpan<short> signal, Span<float> normalised)
    {
        if (signal.IsEmpty) throw new ArgumentException("the signal has no samples", nameof(signal));
        var n = signal.Length;

        int min = short.MaxValue, max = short.MinValue;
        foreach (var s in signal)
        {
            if (s < min) min = s;
            if (s > max) max = s;
        }
        var counts = _counts.AsSpan(0, max - min + 1);
        counts.Clear();
        foreach (var s in signal) counts[s - min]++;

        // Median as twice its value, an integer: raw values are integers, so the median is k or k + ½.
        var median2 = SumOfMiddle(counts, n) + 2 * min;
        var median = median2 / 2f;

        // |x − median| doubled is an integer too: histogram it from the value histogram.
        var widest = Math.Max(2 * max - median2, median2 - 2 * min);
        var deviations = _deviations.AsSpan(0, widest + 1);
        deviations.Clear();
        for (var i = 0; i < counts.Length; i++)
        {
            if (counts[i] != 0) deviations[Math.Abs(2 * (i + min) - median2)] += counts[i];
        }
        // Doubled deviations: the two middle ones summed is four times the MAD.
        var mad = SumOfMiddle(deviations, n) / 4f;
        var scale = (float)(mad * _settings.MadScale);
        if (scale == 0f) scale = 1f; // a flat signal: leave it centred at 0 instead of dividing by zero

        var clip = _settings.Clip is { } c ? (float)c : float.PositiveInfinity;
        var output = normalised[..n];
        for (var i = 0; i < n; i++)
        {
            var x = (signal[i] - median) / scale;
            output[i] = x > clip ? clip : x < -clip ? -clip : x;
        }
        return (median, scale);
    }

    /// <summary>
    /// The sum of the two middle values of a sample given as a histogram (bin i holds value i): twice
    /// the median, the same middle value twice for odd counts.
    /// </summary>
    private static int SumOfMiddle(ReadOnlySpan<int> histogram, int n)
    {
        var lowRank = (n - 1) / 2;
        var highRank = n / 2;
        int low = -1, seen = 0;
        for (var i = 0; i < histogram.Length; i++)
        {
            seen += histogram[i];
            if (low < 0 && seen > lowRank) low = i;
            if (seen > highRank) return low + i;
        }
        throw new InvalidOperationException("histogram holds fewer values than counted");
    }
}
