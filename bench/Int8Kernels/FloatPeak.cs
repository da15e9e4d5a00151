using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Dipper.Bench.Int8Kernels;

/// <summary>
/// This core's float32 multiply-add peak, measured rather than assumed: twelve independent chains of fused
/// multiply-adds (enough to cover the instruction's latency on both pipes), 512-bit and 256-bit. It is the ceiling
/// every float kernel, ONNX Runtime's or ours, is judged against: how far ONNX Runtime's float path is from it says
/// whether a float kernel of our own could reach the 1.5× (docs/cpu-speed.md, §6 and §11).
/// </summary>
internal static class FloatPeak
{
    private const int Iterations = 40_000_000; // about 0.1 s a call at 512 bits
    private const int Chains = 12;

    /// <summary>Multiply-adds one call of <see cref="Run512"/> performs.</summary>
    public static double MultiplyAdds512 => (double)Iterations * Chains * Vector512<float>.Count;

    /// <summary>Multiply-adds one call of <see cref="Run256"/> performs.</summary>
    public static double MultiplyAdds256 => (double)Iterations * Chains * Vector256<float>.Count;

    /// <summary>Whether the 512-bit loop can run (AVX-512 F).</summary>
    public static bool Is512Supported => Avx512F.IsSupported;

    /// <summary>The 512-bit loop; returns a sum so the work cannot be dropped.</summary>
    public static float Run512()
    {
        var x = Vector512.Create(1.0000001f);
        var y = Vector512.Create(1e-7f);
        Vector512<float> a0 = Vector512<float>.One, a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0,
            a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (var i = 0; i < Iterations; i++)
        {
            a0 = Avx512F.FusedMultiplyAdd(a0, x, y); a1 = Avx512F.FusedMultiplyAdd(a1, x, y);
            a2 = Avx512F.FusedMultiplyAdd(a2, x, y); a3 = Avx512F.FusedMultiplyAdd(a3, x, y);
            a4 = Avx512F.FusedMultiplyAdd(a4, x, y); a5 = Avx512F.FusedMultiplyAdd(a5, x, y);
            a6 = Avx512F.FusedMultiplyAdd(a6, x, y); a7 = Avx512F.FusedMultiplyAdd(a7, x, y);
            a8 = Avx512F.FusedMultiplyAdd(a8, x, y); a9 = Avx512F.FusedMultiplyAdd(a9, x, y);
            a10 = Avx512F.FusedMultiplyAdd(a10, x, y); a11 = Avx512F.FusedMultiplyAdd(a11, x, y);
        }
        return Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }

    /// <summary>The 256-bit loop (AVX2 and FMA); returns a sum so the work cannot be dropped.</summary>
    public static float Run256()
    {
        var x = Vector256.Create(1.0000001f);
        var y = Vector256.Create(1e-7f);
        Vector256<float> a0 = Vector256<float>.One, a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0,
            a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (var i = 0; i < Iterations; i++)
        {
            a0 = Fma.MultiplyAdd(a0, x, y); a1 = Fma.MultiplyAdd(a1, x, y);
            a2 = Fma.MultiplyAdd(a2, x, y); a3 = Fma.MultiplyAdd(a3, x, y);
            a4 = Fma.MultiplyAdd(a4, x, y); a5 = Fma.MultiplyAdd(a5, x, y);
            a6 = Fma.MultiplyAdd(a6, x, y); a7 = Fma.MultiplyAdd(a7, x, y);
            a8 = Fma.MultiplyAdd(a8, x, y); a9 = Fma.MultiplyAdd(a9, x, y);
            a10 = Fma.MultiplyAdd(a10, x, y); a11 = Fma.MultiplyAdd(a11, x, y);
        }
        return Vector256.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }
}
