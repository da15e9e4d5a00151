// The accumulators are written out one by one: the JIT keeps separate locals in registers, while an
// array of vectors would live in memory. Three widths, so every host runs native vectors.
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Dipper.Compiler.Numerics;

/// <summary>
/// The inner kernel of <see cref="PackedProduct"/>: C[0..Rows, 0..Columns] += α · Σ_p a[p] ⊗ b[p] over
/// packed slivers, with the whole tile of C held in vector registers.
/// </summary>
internal interface IMicroKernel<T> where T : unmanaged
{
    /// <summary>MR: rows of C per tile.</summary>
    static abstract int Rows { get; }

    /// <summary>NR: columns of C per tile (two vectors).</summary>
    static abstract int Columns { get; }

    /// <summary>Accumulates one tile; <paramref name="stride"/> is the distance between C's rows.</summary>
    static abstract unsafe void Run(int depth, T* a, T* b, T* c, int stride, T alpha);
}

/// <summary>AVX-512: a 12 × 32 float (12 × 16 double) tile in 24 of the 32 zmm registers.</summary>
internal readonly struct MicroKernel512<T> : IMicroKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int Rows => 12;

    public static int Columns => 2 * Vector512<T>.Count;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Run(int depth, T* a, T* b, T* c, int stride, T alpha)
    {
        var w = Vector512<T>.Count;
        Vector512<T> c00 = default, c01 = default;
        Vector512<T> c10 = default, c11 = default;
        Vector512<T> c20 = default, c21 = default;
        Vector512<T> c30 = default, c31 = default;
        Vector512<T> c40 = default, c41 = default;
        Vector512<T> c50 = default, c51 = default;
        Vector512<T> c60 = default, c61 = default;
        Vector512<T> c70 = default, c71 = default;
        Vector512<T> c80 = default, c81 = default;
        Vector512<T> c90 = default, c91 = default;
        Vector512<T> c100 = default, c101 = default;
        Vector512<T> c110 = default, c111 = default;
        for (var p = 0; p < depth; p++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + w);
            var a0 = Vector512.Create(a[0]);
            c00 = Fma(a0, b0, c00);
            c01 = Fma(a0, b1, c01);
            var a1 = Vector512.Create(a[1]);
            c10 = Fma(a1, b0, c10);
            c11 = Fma(a1, b1, c11);
            var a2 = Vector512.Create(a[2]);
            c20 = Fma(a2, b0, c20);
            c21 = Fma(a2, b1, c21);
            var a3 = Vector512.Create(a[3]);
            c30 = Fma(a3, b0, c30);
            c31 = Fma(a3, b1, c31);
            var a4 = Vector512.Create(a[4]);
            c40 = Fma(a4, b0, c40);
            c41 = Fma(a4, b1, c41);
            var a5 = Vector512.Create(a[5]);
            c50 = Fma(a5, b0, c50);
            c51 = Fma(a5, b1, c51);
            var a6 = Vector512.Create(a[6]);
            c60 = Fma(a6, b0, c60);
            c61 = Fma(a6, b1, c61);
            var a7 = Vector512.Create(a[7]);
            c70 = Fma(a7, b0, c70);
            c71 = Fma(a7, b1, c71);
            var a8 = Vector512.Create(a[8]);
            c80 = Fma(a8, b0, c80);
            c81 = Fma(a8, b1, c81);
            var a9 = Vector512.Create(a[9]);
            c90 = Fma(a9, b0, c90);
            c91 = Fma(a9, b1, c91);
            var a10 = Vector512.Create(a[10]);
            c100 = Fma(a10, b0, c100);
            c101 = Fma(a10, b1, c101);
            var a11 = Vector512.Create(a[11]);
            c110 = Fma(a11, b0, c110);
            c111 = Fma(a11, b1, c111);
            a += 12;
            b += 2 * w;
        }
        var scale = Vector512.Create(alpha);
        Store(c + 0 * stride, w, scale, c00, c01);
        Store(c + 1 * stride, w, scale, c10, c11);
        Store(c + 2 * stride, w, scale, c20, c21);
        Store(c + 3 * stride, w, scale, c30, c31);
        Store(c + 4 * stride, w, scale, c40, c41);
        Store(c + 5 * stride, w, scale, c50, c51);
        Store(c + 6 * stride, w, scale, c60, c61);
        Store(c + 7 * stride, w, scale, c70, c71);
        Store(c + 8 * stride, w, scale, c80, c81);
        Store(c + 9 * stride, w, scale, c90, c91);
        Store(c + 10 * stride, w, scale, c100, c101);
        Store(c + 11 * stride, w, scale, c110, c111);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> Fma(Vector512<T> x, Vector512<T> y, Vector512<T> acc)
    {
        if (typeof(T) == typeof(float))
            return Vector512.FusedMultiplyAdd(x.AsSingle(), y.AsSingle(), acc.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double))
            return Vector512.FusedMultiplyAdd(x.AsDouble(), y.AsDouble(), acc.AsDouble()).As<double, T>();
        return x * y + acc;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Store(T* row, int w, Vector512<T> scale, Vector512<T> left, Vector512<T> right)
    {
        Fma(scale, left, Vector512.Load(row)).Store(row);
        Fma(scale, right, Vector512.Load(row + w)).Store(row + w);
    }
}

/// <summary>AVX2: a 6 × 16 float (6 × 8 double) tile in 12 of the 16 ymm registers.</summary>
internal readonly struct MicroKernel256<T> : IMicroKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int Rows => 6;

    public static int Columns => 2 * Vector256<T>.Count;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Run(int depth, T* a, T* b, T* c, int stride, T alpha)
    {
        var w = Vector256<T>.Count;
        Vector256<T> c00 = default, c01 = default;
        Vector256<T> c10 = default, c11 = default;
        Vector256<T> c20 = default, c21 = default;
        Vector256<T> c30 = default, c31 = default;
        Vector256<T> c40 = default, c41 = default;
        Vector256<T> c50 = default, c51 = default;
        for (var p = 0; p < depth; p++)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + w);
            var a0 = Vector256.Create(a[0]);
            c00 = Fma(a0, b0, c00);
            c01 = Fma(a0, b1, c01);
            var a1 = Vector256.Create(a[1]);
            c10 = Fma(a1, b0, c10);
            c11 = Fma(a1, b1, c11);
            var a2 = Vector256.Create(a[2]);
            c20 = Fma(a2, b0, c20);
            c21 = Fma(a2, b1, c21);
            var a3 = Vector256.Create(a[3]);
            c30 = Fma(a3, b0, c30);
            c31 = Fma(a3, b1, c31);
            var a4 = Vector256.Create(a[4]);
            c40 = Fma(a4, b0, c40);
            c41 = Fma(a4, b1, c41);
            var a5 = Vector256.Create(a[5]);
            c50 = Fma(a5, b0, c50);
            c51 = Fma(a5, b1, c51);
            a += 6;
            b += 2 * w;
        }
        var scale = Vector256.Create(alpha);
        Store(c + 0 * stride, w, scale, c00, c01);
        Store(c + 1 * stride, w, scale, c10, c11);
        Store(c + 2 * stride, w, scale, c20, c21);
        Store(c + 3 * stride, w, scale, c30, c31);
        Store(c + 4 * stride, w, scale, c40, c41);
        Store(c + 5 * stride, w, scale, c50, c51);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> Fma(Vector256<T> x, Vector256<T> y, Vector256<T> acc)
    {
        if (typeof(T) == typeof(float))
            return Vector256.FusedMultiplyAdd(x.AsSingle(), y.AsSingle(), acc.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double))
            return Vector256.FusedMultiplyAdd(x.AsDouble(), y.AsDouble(), acc.AsDouble()).As<double, T>();
        return x * y + acc;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Store(T* row, int w, Vector256<T> scale, Vector256<T> left, Vector256<T> right)
    {
        Fma(scale, left, Vector256.Load(row)).Store(row);
        Fma(scale, right, Vector256.Load(row + w)).Store(row + w);
    }
}

/// <summary>NEON (ARM64) and SSE: an 8 × 8 float (8 × 4 double) tile in 16 of NEON's 32 registers.</summary>
internal readonly struct MicroKernel128<T> : IMicroKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int Rows => 8;

    public static int Columns => 2 * Vector128<T>.Count;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Run(int depth, T* a, T* b, T* c, int stride, T alpha)
    {
        var w = Vector128<T>.Count;
        Vector128<T> c00 = default, c01 = default;
        Vector128<T> c10 = default, c11 = default;
        Vector128<T> c20 = default, c21 = default;
        Vector128<T> c30 = default, c31 = default;
        Vector128<T> c40 = default, c41 = default;
        Vector128<T> c50 = default, c51 = default;
        Vector128<T> c60 = default, c61 = default;
        Vector128<T> c70 = default, c71 = default;
        for (var p = 0; p < depth; p++)
        {
            var b0 = Vector128.Load(b);
            var b1 = Vector128.Load(b + w);
            var a0 = Vector128.Create(a[0]);
            c00 = Fma(a0, b0, c00);
            c01 = Fma(a0, b1, c01);
            var a1 = Vector128.Create(a[1]);
            c10 = Fma(a1, b0, c10);
            c11 = Fma(a1, b1, c11);
            var a2 = Vector128.Create(a[2]);
            c20 = Fma(a2, b0, c20);
            c21 = Fma(a2, b1, c21);
            var a3 = Vector128.Create(a[3]);
            c30 = Fma(a3, b0, c30);
            c31 = Fma(a3, b1, c31);
            var a4 = Vector128.Create(a[4]);
            c40 = Fma(a4, b0, c40);
            c41 = Fma(a4, b1, c41);
            var a5 = Vector128.Create(a[5]);
            c50 = Fma(a5, b0, c50);
            c51 = Fma(a5, b1, c51);
            var a6 = Vector128.Create(a[6]);
            c60 = Fma(a6, b0, c60);
            c61 = Fma(a6, b1, c61);
            var a7 = Vector128.Create(a[7]);
            c70 = Fma(a7, b0, c70);
            c71 = Fma(a7, b1, c71);
            a += 8;
            b += 2 * w;
        }
        var scale = Vector128.Create(alpha);
        Store(c + 0 * stride, w, scale, c00, c01);
        Store(c + 1 * stride, w, scale, c10, c11);
        Store(c + 2 * stride, w, scale, c20, c21);
        Store(c + 3 * stride, w, scale, c30, c31);
        Store(c + 4 * stride, w, scale, c40, c41);
        Store(c + 5 * stride, w, scale, c50, c51);
        Store(c + 6 * stride, w, scale, c60, c61);
        Store(c + 7 * stride, w, scale, c70, c71);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<T> Fma(Vector128<T> x, Vector128<T> y, Vector128<T> acc)
    {
        if (typeof(T) == typeof(float))
            return Vector128.FusedMultiplyAdd(x.AsSingle(), y.AsSingle(), acc.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double))
            return Vector128.FusedMultiplyAdd(x.AsDouble(), y.AsDouble(), acc.AsDouble()).As<double, T>();
        return x * y + acc;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Store(T* row, int w, Vector128<T> scale, Vector128<T> left, Vector128<T> right)
    {
        Fma(scale, left, Vector128.Load(row)).Store(row);
        Fma(scale, right, Vector128.Load(row + w)).Store(row + w);
    }
}
