using Dipper.Basecaller.Decoding;

namespace Dipper.Basecaller.Tests.Decoding;

public class PhredQualityTests
{
    [Theory]
    [InlineData(0.9, 10)]
    [InlineData(0.99, 20)]
    [InlineData(0.999, 30)]
    [InlineData(0.0, PhredQuality.Min)]
    [InlineData(1.0, PhredQuality.Max)]
    [InlineData(0.9999999, PhredQuality.Max)]
    public void Quality_is_minus_ten_log10_of_the_error_clamped(double probability, int expected)
    {
        Assert.Equal((char)(33 + expected), PhredQuality.ToChar(probability));
    }

    [Fact]
    public void Emission_span_stops_where_another_class_takes_over()
    {
        var rows = GreedyCtcDecoderTests.Peaks([1, 1, 0], 0.99).Concat(GreedyCtcDecoderTests.Row(1, 0.3)).ToArray();
        // The fourth frame is inside the span limit but after a blank took over: not counted.
        Assert.Equal(PhredQuality.ToChar(0.99), PhredQuality.ForEmission(rows, 5, 1, 0, 4));
    }

    [Fact]
    public void Mean_qscore_is_the_phred_of_the_mean_error_not_the_mean_of_the_scores()
    {
        Assert.Equal(10.0, PhredQuality.MeanQScore("++++"), 9); // Q10 throughout
        // Q10 and Q30: errors 0.1 and 0.001, mean 0.0505 → Q12.97, not Q20.
        Assert.Equal(-10 * Math.Log10(0.0505), PhredQuality.MeanQScore("+?"), 6);
        Assert.Equal(0, PhredQuality.MeanQScore(""));
    }
}
