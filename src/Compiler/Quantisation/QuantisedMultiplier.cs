namespace Dipper.Compiler.Quantisation;

/// <summary>
/// A real multiplier as TFLite stores it for integer kernels: M ≈ Significand · 2^(Shift − 31),
/// with the significand a Q0.31 number in [2³⁰, 2³¹). Every rescaling between int8 tensors
/// (convolution outputs, ADD and MUL operands) goes through one of these.
/// </summary>
/// <param name="Significand">Q0.31 significand (0 for a zero multiplier).</param>
/// <param name="Shift">Power-of-two exponent; positive shifts left.</param>
public readonly record struct QuantisedMultiplier(int Significand, int Shift)
{
    /// <summary>Splits <paramref name="real"/> as TFLite's QuantizeMultiplier does (frexp, then round the significand to 31 bits).</summary>
    public static QuantisedMultiplier From(double real)
    {
        if (real == 0) return new QuantisedMultiplier(0, 0);
        var (fraction, exponent) = Frexp(real);
        var significand = (long)Math.Round(fraction * (1L << 31), MidpointRounding.AwayFromZero);
        if (significand == 1L << 31)
        {
            significand /= 2;
            exponent++;
        }
        if (exponent < -31)
        {
            exponent = 0;
            significand = 0;
        }
        return new QuantisedMultiplier((int)significand, exponent);
    }

    /// <summary>The real multiplier this stands for.</summary>
    public double Real => Significand * Math.Pow(2, Shift - 31);

    /// <summary>C's frexp: real = fraction · 2^exponent with |fraction| in [0.5, 1).</summary>
    private static (double Fraction, int Exponent) Frexp(double value)
    {
        var exponent = Math.ILogB(value) + 1;
        return (Math.ScaleB(value, -exponent), exponent);
    }
}
