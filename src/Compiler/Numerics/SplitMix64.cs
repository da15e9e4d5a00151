namespace Dipper.Compiler.Numerics;

/// <summary>
/// The portable random numbers of the pruning reference (<c>pruning_reference.py</c>): SplitMix64
/// in counter form, so any language regenerates the reference's synthetic layers bit for bit
/// (normals up to the last ulp of the maths library). State i = seed + i·γ (mod 2⁶⁴) for i = 1, 2, …;
/// uniforms u = (z ≫ 11)·2⁻⁵³; normals by Box–Muller from two consecutive uniforms.
/// </summary>
public static class SplitMix64
{
    private const ulong Gamma = 0x9E3779B97F4A7C15;

    /// <summary>The i-th raw output (i ≥ 1) of the stream for <paramref name="seed"/>.</summary>
    public static ulong Next(ulong seed, ulong i)
    {
        unchecked
        {
            var z = seed + i * Gamma;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
            return z ^ (z >> 31);
        }
    }

    /// <summary>The i-th uniform in [0, 1) (i ≥ 1): the top 53 bits of <see cref="Next"/>.</summary>
    public static double Uniform(ulong seed, ulong i) => (Next(seed, i) >> 11) * (1.0 / (1UL << 53));

    /// <summary>
    /// <paramref name="count"/> standard normals: n_k = √(−2 ln(1 − u₁))·cos(2π u₂) with
    /// u₁ = uniform 2k+1 and u₂ = uniform 2k+2. 1 − u₁ is exact in float64, so ln(1 − u₁) equals the
    /// reference's log1p(−u₁) up to the library's rounding.
    /// </summary>
    public static double[] Normals(long seed, int count)
    {
        var s = unchecked((ulong)seed);
        var normals = new double[count];
        for (var k = 0; k < count; k++)
        {
            var u1 = Uniform(s, 2 * (ulong)k + 1);
            var u2 = Uniform(s, 2 * (ulong)k + 2);
            normals[k] = Math.Sqrt(-2.0 * Math.Log(1.0 - u1)) * Math.Cos(2.0 * Math.PI * u2);
        }
        return normals;
    }
}
