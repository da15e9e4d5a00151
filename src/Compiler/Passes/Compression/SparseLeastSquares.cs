using System.Numerics.Tensors;
using Dipper.Compiler.Numerics;

namespace Dipper.Compiler.Passes.Compression;

/// <summary>
/// One factor update of <see cref="DoubleSparseFactorization"/> (the reference's <c>find_other2</c>):
/// min_X ‖M·X − Y‖²_F subject to nnz(X) ≤ budget, by a few ADMM steps warm-started from the
/// previous (Z, U). The design's columns are normalised, the normal matrix is ridge-damped by 1 % of
/// its mean diagonal, and the first solve uses a penalty ρ_s that the caller raises from 0 to 1 over
/// the alternations, so early factors follow least squares and later ones stay near their masks.
/// </summary>
internal static class SparseLeastSquares
{
    private const float Ridge = 0.01f;
    private const int Steps = 5;
    private const int MaskSteps = 2;

    /// <summary>Returns the sparse solution Z and its dual U, both in the caller's (unnormalised) scale.</summary>
    public static (Matrix<float> Z, Matrix<float> U) Solve(Matrix<float> design, Matrix<float> target, int budget,
        Matrix<float> z, Matrix<float> u, float startPenalty)
    {
        var gram = MatrixProduct.TransposeAndMultiply(design, design);
        var norm = new float[gram.Rows];
        for (var i = 0; i < norm.Length; i++) norm[i] = MathF.Sqrt(gram[i, i]) + 1e-8f;
        var inverseNorm = new float[norm.Length];
        TensorPrimitives.Reciprocal(norm, inverseNorm);
        gram.ScaleRows(inverseNorm);             // (M/c)ᵀ(M/c)
        gram.ScaleColumns(inverseNorm);
        Damping.AddRelative(gram, Ridge);
        var rhs0 = MatrixProduct.TransposeAndMultiply(design, target);
        rhs0.ScaleRows(inverseNorm);             // (M/c)ᵀY

        var penalised = gram.Clone();
        penalised.AddToDiagonal(1f);
        var solve = CholeskyFactor<float>.InvertSymmetricPositiveDefinite(penalised);
        gram.AddToDiagonal(startPenalty);
        var warmSolve = CholeskyFactor<float>.InvertSymmetricPositiveDefinite(gram);

        z = z.Clone();
        u = u.Clone();
        z.ScaleRows(norm);
        u.ScaleRows(norm);
        var count = z.Count;
        var rhs = new Matrix<float>(z.Rows, z.Columns);
        TensorPrimitives.Subtract(z.AsSpan(), u.AsSpan(), rhs.AsSpan());
        TensorPrimitives.MultiplyAdd(rhs.AsSpan(), startPenalty, rhs0.AsSpan(), rhs.AsSpan());
        var x = MatrixProduct.Multiply(warmSolve, rhs);

        var prunedFraction = Math.Min(0.99, 1 - (double)budget / count);
        var sum = new Matrix<float>(z.Rows, z.Columns);
        var magnitude = new float[count];
        var mask = new float[count];
        for (var step = 0; step < Steps; step++)
        {
            TensorPrimitives.Add(x.AsSpan(), u.AsSpan(), sum.AsSpan());
            if (step < MaskSteps)
            {
                // Keep |X+U| strictly above the value at sorted index int(numel·s): one fewer than the budget.
                TensorPrimitives.Abs(sum.AsSpan(), magnitude);
                var threshold = Selection.KthSmallest<float>(magnitude.ToArray(), (int)(count * prunedFraction));
                for (var i = 0; i < count; i++) mask[i] = magnitude[i] > threshold ? 1f : 0f;
            }
            TensorPrimitives.Multiply(sum.AsSpan(), mask, z.AsSpan());
            TensorPrimitives.Subtract(sum.AsSpan(), z.AsSpan(), u.AsSpan());
            TensorPrimitives.Subtract(z.AsSpan(), u.AsSpan(), rhs.AsSpan());
            TensorPrimitives.Add(rhs.AsSpan(), rhs0.AsSpan(), rhs.AsSpan());
            MatrixProduct.MultiplyAdd(1f, solve, false, rhs, false, 0f, x);
        }
        z.ScaleRows(inverseNorm);
        u.ScaleRows(inverseNorm);
        return (z, u);
    }
}
