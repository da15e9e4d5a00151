using Dipper.Compiler.Quantisation;

namespace Dipper.Compiler.Tests.Quantisation;

public class QuantisationParametersTests
{
    [Fact]
    public void Clipped_signal_range_takes_tflites_zero_point_from_the_end_with_less_error()
    {
        var p = QuantisationParameters.ForRange(-2.5f, 2.5f);

        Assert.Equal(5f / 255, p.Scale, 1e-7);
        // Exactly, both ends give −0.5; in float (as the converter computes) the max end, which has
        // the smaller error, gives −0.49999…, which rounds to 0.
        Assert.Equal(0, p.ZeroPoint);
        Assert.Equal(2.5f, p.RealMax, 0.02f);
    }

    [Fact]
    public void Zero_point_is_rounded_from_the_min_end_when_that_end_is_nearer_zero()
    {
        // scale = 1.1/255; from the min end: −128 + 0.1/scale = −104.8, which rounds to −105.
        var p = QuantisationParameters.ForRange(-0.1f, 1.0f);

        Assert.Equal(-105, p.ZeroPoint);
    }

    [Fact]
    public void Range_is_widened_to_include_zero_so_zero_is_exact()
    {
        var positive = QuantisationParameters.ForRange(2f, 6f);
        var negative = QuantisationParameters.ForRange(-4f, -1f);

        Assert.Equal(-128, positive.ZeroPoint);
        Assert.Equal(6f / 255, positive.Scale, 1e-7);
        Assert.Equal(127, negative.ZeroPoint);
        Assert.Equal(0f, positive.Dequantise(positive.Quantise(0f)));
        Assert.Equal(0f, negative.Dequantise(negative.Quantise(0f)));
    }

    [Fact]
    public void Values_outside_the_range_saturate_and_ties_round_away_from_zero()
    {
        var p = new QuantisationParameters(0.5f, 0);

        Assert.Equal(127, p.Quantise(1000f));
        Assert.Equal(-128, p.Quantise(-1000f));
        Assert.Equal(3, p.Quantise(1.25f));
        Assert.Equal(-3, p.Quantise(-1.25f));
    }
}
