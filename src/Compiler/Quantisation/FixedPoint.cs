namespace Dipper.Compiler.Quantisation;

/// <summary>
/// TFLite's integer requantisation arithmetic (gemmlowp's fixed-point helpers), reproduced
/// operation for operation so that the compiler's int8 reference gives the runtime's bits: a real
/// multiplier M is stored as an int32 Q0.31 significand and a power-of-two exponent, and
/// x·M is computed as a rounding doubling high multiply followed by a rounding right shift.
/// </summary>
public static class FixedPoint
{
    /// <summary>
    /// (a·b·2) / 2³² rounded to nearest (ties away from zero), the high half of a doubled 64-bit
    /// product; saturates the one overflowing case (−2³¹ · −2³¹).
    /// </summary>
    public static int SaturatingRoundingDoublingHighMul(int a, int b)
    {
        if (a == int.MinValue && b == int.MinValue) return int.MaxValue;
        var product = (long)a * b;
        var nudge = product >= 0 ? 1L << 30 : 1 - (1L << 30);
        // C++ integer division truncates toward zero, as C#'s does.
        return (int)((product + nudge) / (1L << 31));
    }

    /// <summary>x / 2^exponent rounded to nearest, ties as <paramref name="ties"/> says (gemmlowp: away from zero).</summary>
    public static int RoundingDivideByPowerOfTwo(int x, int exponent, TieRounding ties = TieRounding.AwayFromZero)
    {
        if (exponent < 0 || exponent > 31) throw new ArgumentOutOfRangeException(nameof(exponent), exponent, "must be in 0..31");
        var mask = (int)((1L << exponent) - 1);
        var remainder = x & mask;
        var threshold = (mask >> 1) + (x < 0 && ties == TieRounding.AwayFromZero ? 1 : 0);
        return (x >> exponent) + (remainder > threshold ? 1 : 0);
    }

    /// <summary>
    /// x · multiplier · 2^shift with TFLite's double rounding (the default build, without
    /// TFLITE_SINGLE_ROUNDING): a positive shift is applied before the high multiply, a negative
    /// one as a rounding right shift after it, whose ties round as <paramref name="ties"/> says
    /// (<see cref="TieRounding.TruncatedHighMultiplyUpward"/> also floors the high multiply, as arm64's NEON code does).
    /// </summary>
    public static int MultiplyByQuantisedMultiplier(int x, QuantisedMultiplier multiplier, TieRounding ties = TieRounding.AwayFromZero)
    {
        var leftShift = multiplier.Shift > 0 ? multiplier.Shift : 0;
        var rightShift = multiplier.Shift > 0 ? 0 : -multiplier.Shift;
        if (ties == TieRounding.TruncatedHighMultiplyUpward)
        {
            // NEON's sqdmulh: the high half of the doubled product, floored (an arithmetic shift), saturating as above.
            var scaled = x * (1 << leftShift);
            var high = scaled == int.MinValue && multiplier.Significand == int.MinValue
                ? int.MaxValue
                : (int)(((long)scaled * multiplier.Significand) >> 31);
            return RoundingDivideByPowerOfTwo(high, rightShift, TieRounding.Upward);
        }
        return RoundingDivideByPowerOfTwo(SaturatingRoundingDoublingHighMul(x * (1 << leftShift), multiplier.Significand), rightShift, ties);
    }
}
