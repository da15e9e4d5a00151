using Dipper.Compiler.Calibration;

namespace Dipper.Compiler.Tests.Calibration;

public class ActivationHistogramTests
{
    private static float[] Values(int seed, int count, Func<Random, double> draw)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)draw(random)).ToArray();
    }

    [Theory]
    [InlineData(0.0001)]
    [InlineData(0.01)]
    [InlineData(0.5)]
    [InlineData(0.99)]
    [InlineData(0.9999)]
    public void Quantiles_are_within_two_percent_of_the_exact_ones(double q)
    {
        var values = Values(1, 200_000, r => r.NextDouble() * 20 - 0.3);
        var histogram = new ActivationHistogram();
        histogram.Add(values);

        var exact = values.Order().ElementAt((int)(q * (values.Length - 1)));

        Assert.InRange(histogram.Quantile(q), exact - Math.Abs(exact) * 0.02 - 1e-3, exact + Math.Abs(exact) * 0.02 + 1e-3);
    }

    [Fact]
    public void Merged_histograms_equal_one_filled_with_all_values()
    {
        var a = Values(2, 10_000, r => r.NextDouble() * 4 - 2);
        var b = Values(3, 10_000, r => r.NextDouble() * 9 - 1);
        var whole = new ActivationHistogram();
        whole.Add([.. a, .. b]);
        var left = new ActivationHistogram();
        left.Add(a);
        var right = new ActivationHistogram();
        right.Add(b);

        left.Merge(right);

        Assert.Equal(whole.Count, left.Count);
        Assert.Equal((whole.Min, whole.Max), (left.Min, left.Max));
        foreach (var method in Enum.GetValues<RangeMethod>()) Assert.Equal(whole.Range(method), left.Range(method));
    }

    [Fact]
    public void Outliers_stretch_min_max_but_not_the_percentile_range()
    {
        // A swish-like bulk in [−0.28, 3] with a handful of spikes at 40.
        var values = Values(4, 100_000, r => r.NextDouble() * 3.28 - 0.28).Concat(Enumerable.Repeat(40f, 5)).ToArray();
        var histogram = new ActivationHistogram();
        histogram.Add(values);

        Assert.Equal(40f, histogram.Range(RangeMethod.MinMax).Max);
        Assert.InRange(histogram.Range(RangeMethod.Percentile, 99.99).Max, 2.9f, 3.1f);
        Assert.Equal(-0.28f, histogram.Range(RangeMethod.Percentile, 99.99).Min, 0.01f);
    }

    [Fact]
    public void Least_squares_range_clips_a_long_tail_short_of_its_extreme()
    {
        // Laplace(0, 1): 200 000 draws reach about ±12; the int8 optimum clips near ±10 (Banner et al. 2019).
        var values = Values(5, 200_000, r => (r.NextDouble() < 0.5 ? -1 : 1) * -Math.Log(1 - r.NextDouble()));
        var histogram = new ActivationHistogram();
        histogram.Add(values);

        var range = histogram.Range(RangeMethod.Mse);

        Assert.InRange(range.Max, 6f, histogram.Max * 0.95f);
        Assert.InRange(range.Min, histogram.Min * 0.95f, -6f);
    }
}
