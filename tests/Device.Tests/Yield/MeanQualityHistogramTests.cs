using Dipper.Device.Yield;

namespace Dipper.Device.Tests.Yield;

public sealed class MeanQualityHistogramTests
{
    [Fact]
    public void Reads_fall_in_the_bin_of_their_whole_Q_from_the_lowest_bin_with_reads_to_the_highest()
    {
        var histogram = new MeanQualityHistogram();
        foreach (var q in new[] { 7.2, 7.9, 9.0, 9.99 }) histogram.Add(q);

        Assert.Equal([new QualityRange(7, 2), new QualityRange(8, 0), new QualityRange(9, 2)], histogram.Ranges());
    }

    [Fact]
    public void Qualities_beyond_the_scale_land_in_its_end_bins()
    {
        var histogram = new MeanQualityHistogram();
        histogram.Add(-3);
        histogram.Add(73);

        var ranges = histogram.Ranges();

        Assert.Equal(new QualityRange(0, 1), ranges[0]);
        Assert.Equal(new QualityRange(50, 1), ranges[^1]);
        Assert.Equal(51, ranges.Count);
    }

    [Fact]
    public void No_reads_no_bins() => Assert.Empty(new MeanQualityHistogram().Ranges());
}
