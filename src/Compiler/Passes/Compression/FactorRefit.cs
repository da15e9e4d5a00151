using System.Numerics.Tensors;
using Dipper.Compiler.Numerics;

namespace Dipper.Compiler.Passes.Compression;

/// <summary>
/// Phase 2 of <see cref="DoubleSparseFactorization"/> (the reference's <c>finalize</c>): with the
/// inner factor B fixed, re-fit the outer factor A on its own support under the full H, i.e.
/// min ‖X Bᵀ Aᵀ − X Wᵀ‖² over A with A's zeros kept, by 20 ADMM steps (ρ = 1, no extra damping).
/// Phase 1 only saw diag H; this step recovers most of the input correlations.
/// </summary>
internal static class FactorRefit
{
    public static Matrix<float> Refit(Matrix<float> h, Matrix<float> weights, Matrix<float> outer, Matrix<float> inner, int iterations)
    {
        // Normal equations in the inner factor's output space: G = B H Bᵀ, R = B H Wᵀ.
        var bh = MatrixProduct.Multiply(inner, h);
        var g = MatrixProduct.MultiplyByTranspose(bh, inner);
        var target = MatrixProduct.MultiplyByTranspose(bh, weights);
        var norm = new float[g.Rows];
        for (var i = 0; i < norm.Length; i++) norm[i] = MathF.Sqrt(g[i, i]) + 1e-8f;
        var inverseNorm = new float[norm.Length];
        TensorPrimitives.Reciprocal(norm, inverseNorm);
        g.ScaleRows(inverseNorm);
        g.ScaleColumns(inverseNorm);
        target.ScaleRows(inverseNorm);

        var x = outer.Clone();
        x.ScaleColumns(norm);
        x = x.Transpose();                           // Aᵀ in the normalised scale
        var mask = new float[x.Count];
        var xs = x.AsSpan();
        for (var i = 0; i < mask.Length; i++) mask[i] = xs[i] != 0 ? 1f : 0f;
        g.AddToDiagonal(1f);
        var solve = CholeskyFactor<float>.InvertSymmetricPositiveDefinite(g);

        var u = new Matrix<float>(x.Rows, x.Columns);
        var z = x.Clone();
        var sum = new Matrix<float>(x.Rows, x.Columns);
        var rhs = new Matrix<float>(x.Rows, x.Columns);
        for (var t = 0; t < iterations; t++)
        {
            TensorPrimitives.Add(x.AsSpan(), u.AsSpan(), sum.AsSpan());
            TensorPrimitives.Multiply(sum.AsSpan(), mask, z.AsSpan());
            TensorPrimitives.Subtract(sum.AsSpan(), z.AsSpan(), u.AsSpan());
            TensorPrimitives.Subtract(z.AsSpan(), u.AsSpan(), rhs.AsSpan());
            TensorPrimitives.Add(rhs.AsSpan(), target.AsSpan(), rhs.AsSpan());
            MatrixProduct.MultiplyAdd(1f, solve, false, rhs, false, 0f, x);
        }
        var refitted = z.Transpose();
        refitted.ScaleColumns(inverseNorm);
        return refitted;
    }
}
