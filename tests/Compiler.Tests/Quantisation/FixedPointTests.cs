using Dipper.Compiler.Quantisation;

namespace Dipper.Compiler.Tests.Quantisation;

public class FixedPointTests
{
    [Fact]
    public void Doubling_high_multiply_rounds_to_nearest_and_saturates_the_one_overflow()
    {
        Assert.Equal(int.MaxValue, FixedPoint.SaturatingRoundingDoublingHighMul(int.MinValue, int.MinValue));
        // 2^30 · 2^30 · 2 / 2^32 = 2^29.
        Assert.Equal(1 << 29, FixedPoint.SaturatingRoundingDoublingHighMul(1 << 30, 1 << 30));
        // 3 · 2^30 · 2 / 2^32 = 1.5 → 2; −1.5 → −1 (gemmlowp's nudge, then C++ truncation toward zero).
        Assert.Equal(2, FixedPoint.SaturatingRoundingDoublingHighMul(3, 1 << 30));
        Assert.Equal(-1, FixedPoint.SaturatingRoundingDoublingHighMul(-3, 1 << 30));
        Assert.Equal(-2, FixedPoint.SaturatingRoundingDoublingHighMul(-5, 1 << 30));
    }

    [Theory]
    [InlineData(5, 1, 3, 3)]
    [InlineData(-5, 1, -3, -2)]
    [InlineData(-6, 2, -2, -1)]
    [InlineData(-7, 2, -2, -2)]
    [InlineData(7, 0, 7, 7)]
    public void Rounding_shift_rounds_ties_as_asked(int x, int exponent, int awayFromZero, int upward)
    {
        Assert.Equal(awayFromZero, FixedPoint.RoundingDivideByPowerOfTwo(x, exponent));
        Assert.Equal(upward, FixedPoint.RoundingDivideByPowerOfTwo(x, exponent, TieRounding.Upward));
    }

    [Theory]
    // M = 0.5 (2^30 · 2^(0−31)): 3·M = 1.5 — the rounded high multiply gives 2, the floored one 1; −1.5: −1 and −2.
    [InlineData(3, 1 << 30, 0, 2, 1)]
    [InlineData(-3, 1 << 30, 0, -1, -2)]
    // M = 0.25 (shift −1): 5·M = 1.25 — rounded 2.5 → 3, then 3/2 ties up to 2 (double rounding); floored 2, then 1.
    [InlineData(5, 1 << 30, -1, 2, 1)]
    // M = 0.25: 7·M = 1.75 — rounded 3.5 → 4, then 2; floored 3, then 1.5 ties up to 2: the same.
    [InlineData(7, 1 << 30, -1, 2, 2)]
    public void Arm64_convolution_floors_the_high_multiply_before_the_upward_rounding_shift(int x, int significand, int shift, int x64, int arm64)
    {
        var multiplier = new QuantisedMultiplier(significand, shift);
        Assert.Equal(x64, FixedPoint.MultiplyByQuantisedMultiplier(x, multiplier, TieRounding.Upward));
        Assert.Equal(arm64, FixedPoint.MultiplyByQuantisedMultiplier(x, multiplier, TieRounding.TruncatedHighMultiplyUpward));
    }

    [Theory]
    [InlineData(0.5, 1 << 30, 0)]
    [InlineData(1.0, 1 << 30, 1)]
    [InlineData(0.75, 1610612736, 0)]
    [InlineData(0.001, 1099511628, -9)]
    [InlineData(0.0, 0, 0)]
    public void Multipliers_split_into_a_q31_significand_and_a_shift_like_tflite(double real, int significand, int shift)
    {
        var m = QuantisedMultiplier.From(real);

        Assert.Equal(new QuantisedMultiplier(significand, shift), m);
        Assert.Equal(real, m.Real, 1e-9);
    }

    [Fact]
    public void Requantising_by_a_multiplier_scales_and_rounds()
    {
        Assert.Equal(250, FixedPoint.MultiplyByQuantisedMultiplier(1000, QuantisedMultiplier.From(0.25)));
        Assert.Equal(-13, FixedPoint.MultiplyByQuantisedMultiplier(-50, QuantisedMultiplier.From(0.25)));
        Assert.Equal(3000, FixedPoint.MultiplyByQuantisedMultiplier(1000, QuantisedMultiplier.From(3.0)));
    }
}
