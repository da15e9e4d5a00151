using Dipper.Compiler.Quantisation;

namespace Dipper.Compiler.Calibration;

/// <summary>
/// The distribution of one activation's values over the calibration set, in one pass and fixed
/// memory: exact minimum and maximum, plus a histogram of magnitudes with 64 bins per octave from
/// 2⁻²⁴ to 2²⁴ (the float's exponent and top six mantissa bits, so binning costs a shift),
/// positives and negatives apart, so any quantile is known to within 1.6 %. Enough to choose a range by min/max, percentile or least squared error without
/// keeping millions of values per tensor.
/// </summary>
public sealed class ActivationHistogram
{
    private const int BinsPerOctave = 64;
    private const int LowestExponent = -24;
    private const int Octaves = 48;
    private const int Bins = BinsPerOctave * Octaves;

    private readonly long[] _positive = new long[Bins];
    private readonly long[] _negative = new long[Bins];
    private long _zeros;

    /// <summary>Values seen.</summary>
    public long Count { get; private set; }

    /// <summary>Smallest value seen (+∞ before any).</summary>
    public float Min { get; private set; } = float.PositiveInfinity;

    /// <summary>Largest value seen (−∞ before any).</summary>
    public float Max { get; private set; } = float.NegativeInfinity;

    /// <summary>Adds values.</summary>
    public void Add(ReadOnlySpan<float> values)
    {
        var (min, max) = (Min, Max);
        foreach (var v in values)
        {
            if (v < min) min = v;
            if (v > max) max = v;
            if (v > 0) _positive[Bin(v)]++;
            else if (v < 0) _negative[Bin(-v)]++;
            else _zeros++;
        }
        (Min, Max) = (min, max);
        Count += values.Length;
    }

    /// <summary>Adds another histogram's values (calibration threads each fill their own).</summary>
    public void Merge(ActivationHistogram other)
    {
        for (var i = 0; i < Bins; i++)
        {
            _positive[i] += other._positive[i];
            _negative[i] += other._negative[i];
        }
        _zeros += other._zeros;
        Count += other.Count;
        Min = Math.Min(Min, other.Min);
        Max = Math.Max(Max, other.Max);
    }

    /// <summary>The range a method chooses; <paramref name="percentile"/> (e.g. 99.99) is the share kept at each tail by <see cref="RangeMethod.Percentile"/>.</summary>
    /// <exception cref="InvalidOperationException">No values were seen.</exception>
    public ActivationRange Range(RangeMethod method, double percentile = 99.99)
    {
        if (Count == 0) throw new InvalidOperationException("no values were seen");
        return method switch
        {
            RangeMethod.MinMax => new ActivationRange(Min, Max),
            RangeMethod.Percentile => new ActivationRange(Quantile(1 - percentile / 100), Quantile(percentile / 100)),
            RangeMethod.Mse => MseRange(),
            _ => throw new ArgumentOutOfRangeException(nameof(method), method, null),
        };
    }

    /// <summary>
    /// The value below which a share <paramref name="q"/> of the values lie, read at the outer edge of
    /// its bin (so a range from quantiles errs on the wide side) and kept within [Min, Max].
    /// </summary>
    public float Quantile(double q)
    {
        var rank = (long)Math.Ceiling(Math.Clamp(q, 0, 1) * Count);
        long seen = 0;
        // Ascending order: negatives from the largest magnitude down, zeros, positives up.
        for (var i = Bins - 1; i >= 0; i--)
        {
            seen += _negative[i];
            if (seen >= rank && _negative[i] > 0) return Math.Max(-UpperEdge(i), Min);
        }
        seen += _zeros;
        if (seen >= rank && _zeros > 0) return 0;
        for (var i = 0; i < Bins; i++)
        {
            seen += _positive[i];
            if (seen >= rank && _positive[i] > 0) return Math.Min(UpperEdge(i), Max);
        }
        return Max;
    }

    /// <summary>
    /// Least-squares range: rounding inside the range costs step²/12 per value, saturation costs
    /// the squared distance to the edge. Each end is searched over shrinking it in 1 % steps, the
    /// other end held, twice round.
    /// </summary>
    private ActivationRange MseRange()
    {
        var (low, high) = (Math.Min(Min, 0f), Math.Max(Max, 0f));
        if (low == high) return new ActivationRange(low, high);
        for (var round = 0; round < 2; round++)
        {
            high = Best(f => (low, Max * f), high, Max).Item2;
            low = Best(f => (Min * f, high), low, Min).Item1;
        }
        return new ActivationRange(low, high);
    }

    private (float, float) Best(Func<float, (float, float)> candidate, float current, float extreme)
    {
        if (extreme == 0) return candidate(1);
        var best = candidate(current / extreme);
        var bestError = Error(best.Item1, best.Item2);
        for (var f = 1f; f >= 0.05f; f -= 0.01f)
        {
            var c = candidate(f);
            var e = Error(c.Item1, c.Item2);
            if (e < bestError) (best, bestError) = (c, e);
        }
        return best;
    }

    /// <summary>Expected total squared error of quantising the values seen to int8 over [low, high].</summary>
    private double Error(float low, float high)
    {
        var p = QuantisationParameters.ForRange(low, high);
        var (lo, hi) = (p.RealMin, p.RealMax);
        double rounding = (double)p.Scale * p.Scale / 12;
        var error = _zeros * 0.0;
        for (var i = 0; i < Bins; i++)
        {
            if (_positive[i] > 0) error += _positive[i] * Cost(Centre(i), lo, hi, rounding);
            if (_negative[i] > 0) error += _negative[i] * Cost(-Centre(i), lo, hi, rounding);
        }
        return error;
    }

    private static double Cost(double v, double lo, double hi, double rounding) =>
        v > hi ? (v - hi) * (v - hi) : v < lo ? (lo - v) * (lo - v) : rounding;

    /// <summary>Bin of a positive value: octave and the top six mantissa bits, read from the float's bits.</summary>
    private static int Bin(float magnitude)
    {
        var bin = (BitConverter.SingleToInt32Bits(magnitude) >> 17) - ((127 + LowestExponent) << 6);
        return Math.Clamp(bin, 0, Bins - 1);
    }

    private static double Edge(int bin, double fraction) =>
        Math.ScaleB(1 + (bin % BinsPerOctave + fraction) / BinsPerOctave, bin / BinsPerOctave + LowestExponent);

    private static float UpperEdge(int bin) => (float)Edge(bin, 1);

    private static double Centre(int bin) => Edge(bin, 0.5);
}
