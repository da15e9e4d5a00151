using System.Numerics;

namespace Dipper.Compiler.Numerics;

/// <summary>
/// Matrix products (GEMM): the bulk of the work in every layer-wise compression method, so they run
/// on a packed, register-blocked SIMD kernel (<see cref="PackedProduct"/>) rather than Math.NET's
/// managed provider, which measured 7× slower than OpenBLAS on a 1024² product on the build machine.
/// Transposes are free: they only change how the operands are packed.
/// </summary>
public static class MatrixProduct
{
    /// <summary>A·B.</summary>
    public static Matrix<T> Multiply<T>(Matrix<T> a, Matrix<T> b) where T : unmanaged, IFloatingPointIeee754<T>
        => Multiply(a, false, b, false);

    /// <summary>Aᵀ·B, e.g. the Gram matrix XᵀX of calibration inputs.</summary>
    public static Matrix<T> TransposeAndMultiply<T>(Matrix<T> a, Matrix<T> b) where T : unmanaged, IFloatingPointIeee754<T>
        => Multiply(a, true, b, false);

    /// <summary>A·Bᵀ.</summary>
    public static Matrix<T> MultiplyByTranspose<T>(Matrix<T> a, Matrix<T> b) where T : unmanaged, IFloatingPointIeee754<T>
        => Multiply(a, false, b, true);

    /// <summary>op(A)·op(B) into a new matrix, op being the transpose when its flag is set.</summary>
    public static Matrix<T> Multiply<T>(Matrix<T> a, bool transposeA, Matrix<T> b, bool transposeB)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var c = new Matrix<T>(transposeA ? a.Columns : a.Rows, transposeB ? b.Rows : b.Columns);
        MultiplyAdd(T.One, a, transposeA, b, transposeB, T.Zero, c);
        return c;
    }

    /// <summary>
    /// C ← α·op(A)·op(B) + β·C, in place. C may be a block of the same storage as A or B (the
    /// blocked factorisations update a trailing block from a panel) but must not overlap them.
    /// </summary>
    public static void MultiplyAdd<T>(T alpha, Matrix<T> a, bool transposeA, Matrix<T> b, bool transposeB, T beta, Matrix<T> c)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var m = transposeA ? a.Columns : a.Rows;
        var k = transposeA ? a.Rows : a.Columns;
        var kb = transposeB ? b.Columns : b.Rows;
        var n = transposeB ? b.Rows : b.Columns;
        if (k != kb || c.Rows != m || c.Columns != n)
            throw new ArgumentException($"cannot multiply {m} × {k} by {kb} × {n} into {c.Rows} × {c.Columns}");
        if (Overlaps(a, c) || Overlaps(b, c))
            throw new ArgumentException("the product's target overlaps an operand");
        if (beta == T.Zero)
            for (var i = 0; i < m; i++) c.Row(i).Clear();
        else if (beta != T.One)
            for (var i = 0; i < m; i++) System.Numerics.Tensors.TensorPrimitives.Multiply(c.Row(i), beta, c.Row(i));
        if (m == 0 || n == 0 || k == 0 || alpha == T.Zero) return;
        PackedProduct.Accumulate(alpha, a, transposeA, b, transposeB, c, m, n, k);
    }

    private static bool Overlaps<T>(Matrix<T> x, Matrix<T> c) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!ReferenceEquals(x.Storage, c.Storage) || x.Count == 0 || c.Count == 0) return false;
        // Blocks of one storage share its stride, so (offset / stride, offset % stride) is the top-left corner.
        var stride = c.Stride;
        int xr = x.Offset / stride, xc = x.Offset % stride, cr = c.Offset / stride, cc = c.Offset % stride;
        return xr < cr + c.Rows && cr < xr + x.Rows && xc < cc + c.Columns && cc < xc + x.Columns;
    }
}
