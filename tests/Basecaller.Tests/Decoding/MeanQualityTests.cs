using Dipper.Basecaller.Decoding;

namespace Dipper.Basecaller.Tests.Decoding;

public sealed class MeanQualityTests
{
    [Fact]
    public void Bases_of_one_quality_have_that_mean_quality()
    {
        Assert.Equal(20, MeanQuality.Of(new string((char)(33 + 20), 37)), 9);
    }

    [Fact]
    public void The_mean_is_of_error_probabilities_not_of_scores()
    {
        // Q40 and Q2: errors 0.0001 and 0.631, mean 0.3155, Q5.01 (the scores would average to Q21).
        var mean = MeanQuality.Of([(char)(33 + 40), (char)(33 + 2)]);

        Assert.Equal(-10 * Math.Log10((1e-4 + Math.Pow(10, -0.2)) / 2), mean, 6);
        Assert.InRange(mean, 5.0, 5.02);
    }

    [Fact]
    public void Bases_exactly_at_q10_give_q10_not_a_bit_below_it()
    {
        Assert.Equal(10.0, MeanQuality.Of("++++"));
        // Q10 and Q30: errors 0.1 and 0.001, mean 0.0505 → Q12.97, not Q20.
        Assert.Equal(-10 * Math.Log10(0.0505), MeanQuality.Of("+?"), 6);
    }

    [Fact]
    public void A_read_without_bases_has_quality_zero() => Assert.Equal(0, MeanQuality.Of(""));
}
