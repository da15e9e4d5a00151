using Dipper.Device.Yield;

namespace Dipper.Device.Tests.Yield;

public sealed class ReadLengthHistogramTests
{
    private static ReadLengthHistogram Of(IEnumerable<int> lengths)
    {
        var histogram = new ReadLengthHistogram();
        foreach (var length in lengths) histogram.Add(length);
        return histogram;
    }

    [Theory]
    [InlineData(new[] { 2, 3, 4, 5, 6, 7, 8, 9, 10 })]
    [InlineData(new[] { 120, 999, 640, 35 })]
    [InlineData(new[] { 4_210, 18_933, 7_001, 950, 62_345, 2_000_017 })]
    [InlineData(new[] { 0, 0, 5 })]
    public void N50_is_exact_when_no_two_lengths_share_a_bin(int[] lengths)
    {
        var histogram = Of(lengths);

        Assert.Equal(ReadLengths.N50(lengths), histogram.N50());
        Assert.Equal(lengths.Length, histogram.Reads);
        Assert.Equal(lengths.Sum(l => (long)l), histogram.Bases);
    }

    [Fact]
    public void N50_of_a_run_of_random_reads_is_within_one_percent_and_the_yield_is_exact()
    {
        var random = new Random(16);
        // Log-normal-ish lengths from 100 bases to 400 kb, like a ligation run's.
        var lengths = Enumerable.Range(0, 200_000).Select(_ => (int)Math.Min(400_000, 100 + Math.Exp(random.NextDouble() * 8 + random.NextDouble() * 2.5))).ToList();
        var histogram = Of(lengths);

        var exact = ReadLengths.N50(lengths);
        Assert.InRange(histogram.N50(), exact * 0.99, exact * 1.01);
        Assert.Equal(lengths.Sum(l => (long)l), histogram.Bases);
        Assert.Equal(lengths.Count, histogram.Reads);
    }

    [Fact]
    public void N50_is_zero_before_any_base()
    {
        Assert.Equal(0, new ReadLengthHistogram().N50());
        Assert.Equal(0, Of([0, 0]).N50());
    }

    [Fact]
    public void Ranges_follow_the_1_2_5_series_from_the_first_bin_with_reads_to_the_last_and_keep_every_read()
    {
        var histogram = Of([150, 999, 1_000, 1_999, 2_000, 4_999, 12_000]);

        var ranges = histogram.Ranges();

        Assert.Equal(
        [
            new LengthRange(100, 200, 1, 150), new LengthRange(200, 500, 0, 0), new LengthRange(500, 1_000, 1, 999),
            new LengthRange(1_000, 2_000, 2, 2_999), new LengthRange(2_000, 5_000, 2, 6_999), new LengthRange(5_000, 10_000, 0, 0),
            new LengthRange(10_000, 20_000, 1, 12_000),
        ], ranges);
        Assert.Empty(new ReadLengthHistogram().Ranges());
    }

    [Fact]
    public void The_longest_range_is_open_ended()
    {
        var ranges = Of([int.MaxValue]).Ranges();

        Assert.Equal(new LengthRange(1_000_000_000, null, 1, int.MaxValue), Assert.Single(ranges));
    }

    [Fact]
    public void A_negative_length_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReadLengthHistogram().Add(-1));
    }
}
