using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Dipper.Compiler.Numerics;

/// <summary>
/// The GEMM loop nest in the Goto/BLIS arrangement: a KC-deep slab of op(B) is packed into
/// NR-wide slivers that stay in L2, a MC-tall block of op(A) into MR-tall slivers that stay in L1,
/// and a micro-kernel keeps an MR × NR tile of C in registers across the whole slab. Packing also
/// absorbs transposes and pads edges with zeros, so the kernel never branches on shape.
/// </summary>
internal static class PackedProduct
{
    private const int DepthBlock = 256;     // KC: one packed B sliver (256 × 32 floats) fills ~32 KiB of L1
    private const int RowBlock = 96;        // MC: a packed A block of ~96 KiB stays in L2
    private const int ColumnBlock = 2048;   // NC: a packed B slab of ≤ 2 MiB

    public static void Accumulate<T>(T alpha, Matrix<T> a, bool transposeA, Matrix<T> b, bool transposeB, Matrix<T> c,
        int m, int n, int k) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (Vector512.IsHardwareAccelerated)
            Accumulate<T, MicroKernel512<T>>(alpha, a, transposeA, b, transposeB, c, m, n, k);
        else if (Vector256.IsHardwareAccelerated)
            Accumulate<T, MicroKernel256<T>>(alpha, a, transposeA, b, transposeB, c, m, n, k);
        else
            Accumulate<T, MicroKernel128<T>>(alpha, a, transposeA, b, transposeB, c, m, n, k);
    }

    // Full optimisation from the first call: a one-shot CLI run would otherwise spend its first
    // products in unoptimised tier-0 code.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Accumulate<T, TKernel>(T alpha, Matrix<T> a, bool transposeA, Matrix<T> b, bool transposeB,
        Matrix<T> c, int m, int n, int k)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TKernel : struct, IMicroKernel<T>
    {
        var mr = TKernel.Rows;
        var nr = TKernel.Columns;
        var kcMax = Math.Min(k, DepthBlock);
        var mcMax = Math.Min(RoundUp(m, mr), RowBlock / mr * mr);
        var ncMax = Math.Min(RoundUp(n, nr), ColumnBlock);
        var packedA = ArrayPool<T>.Shared.Rent(kcMax * mcMax);
        var packedB = ArrayPool<T>.Shared.Rent(kcMax * ncMax);
        try
        {
            fixed (T* pa = packedA, pb = packedB, cBase = c.Storage)
            {
                var edge = stackalloc T[mr * nr];
                for (var jc = 0; jc < n; jc += ncMax)
                {
                    var nc = Math.Min(ncMax, n - jc);
                    for (var pc = 0; pc < k; pc += kcMax)
                    {
                        var kc = Math.Min(kcMax, k - pc);
                        PackB(b, transposeB, pc, kc, jc, nc, nr, packedB);
                        for (var ic = 0; ic < m; ic += mcMax)
                        {
                            var mc = Math.Min(mcMax, m - ic);
                            PackA(a, transposeA, ic, mc, pc, kc, mr, packedA);
                            for (var jr = 0; jr < nc; jr += nr)
                            {
                                var cols = Math.Min(nr, nc - jr);
                                var bSliver = pb + jr * kc;
                                for (var ir = 0; ir < mc; ir += mr)
                                {
                                    var rows = Math.Min(mr, mc - ir);
                                    var aSliver = pa + ir * kc;
                                    var cTile = cBase + c.Offset + (ic + ir) * c.Stride + jc + jr;
                                    if (rows == mr && cols == nr)
                                    {
                                        TKernel.Run(kc, aSliver, bSliver, cTile, c.Stride, alpha);
                                    }
                                    else
                                    {
                                        new Span<T>(edge, mr * nr).Clear();
                                        TKernel.Run(kc, aSliver, bSliver, edge, nr, alpha);
                                        for (var r = 0; r < rows; r++)
                                            for (var j = 0; j < cols; j++)
                                                cTile[r * c.Stride + j] += edge[r * nr + j];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        finally
        {
            ArrayPool<T>.Shared.Return(packedA);
            ArrayPool<T>.Shared.Return(packedB);
        }
    }

    /// <summary>Packs op(A)[i0.., p0..] into MR-row slivers: sliver s holds, for each p, MR consecutive rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackA<T>(Matrix<T> a, bool transposed, int i0, int mc, int p0, int kc, int mr, T[] packed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (var s = 0; s < mc; s += mr)
        {
            var rows = Math.Min(mr, mc - s);
            var sliver = packed.AsSpan(s * kc, mr * kc);
            if (rows < mr) sliver.Clear();
            if (transposed)
            {
                // op(A)[i, p] = A[p, i]: row p of A holds the sliver's MR values side by side.
                for (var p = 0; p < kc; p++)
                    a.Row(p0 + p).Slice(i0 + s, rows).CopyTo(sliver.Slice(p * mr, rows));
            }
            else
            {
                for (var r = 0; r < rows; r++)
                {
                    var row = a.Row(i0 + s + r).Slice(p0, kc);
                    for (var p = 0; p < kc; p++) sliver[p * mr + r] = row[p];
                }
            }
        }
    }

    /// <summary>Packs op(B)[p0.., j0..] into NR-column slivers: sliver s holds, for each p, NR consecutive columns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackB<T>(Matrix<T> b, bool transposed, int p0, int kc, int j0, int nc, int nr, T[] packed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (var s = 0; s < nc; s += nr)
        {
            var cols = Math.Min(nr, nc - s);
            var sliver = packed.AsSpan(s * kc, nr * kc);
            if (cols < nr) sliver.Clear();
            if (transposed)
            {
                // op(B)[p, j] = B[j, p]: row j of B runs along p.
                for (var j = 0; j < cols; j++)
                {
                    var row = b.Row(j0 + s + j).Slice(p0, kc);
                    for (var p = 0; p < kc; p++) sliver[p * nr + j] = row[p];
                }
            }
            else
            {
                for (var p = 0; p < kc; p++)
                    b.Row(p0 + p).Slice(j0 + s, cols).CopyTo(sliver.Slice(p * nr, cols));
            }
        }
    }

    private static int RoundUp(int x, int multiple) => (x + multiple - 1) / multiple * multiple;
}
