using System.Numerics.Tensors;
using Dipper.Compiler.Numerics;

namespace Dipper.Compiler.Passes.Compression;

/// <summary>
/// ADMM pruning with weight update (Boža 2024, "Fast and effective weight update for pruned large
/// language models"; the reference follows <c>lib/admm.py</c>, <c>AdmmPruner.fasterprune</c>).
/// Splits "fit the outputs" from "be sparse": V is the least-squares fit, Z its projection on the
/// mask, U the scaled dual; the only factorisation is one inverse of the damped, normalised H,
/// reused by every iteration. Inputs are normalised by ‖X_:,j‖ first, so the magnitude mask on V is
/// a layer-wide Wanda mask.
/// </summary>
public static class AdmmPruning
{
    /// <summary>Unstructured pruning to <paramref name="sparsity"/> (the fraction of zero weights).</summary>
    public static Matrix<float> Prune(Matrix<float> weights, Matrix<double> gram, double sparsity, AdmmOptions? options = null)
        => Run(weights, gram, sparsity, null, options ?? new AdmmOptions());

    /// <summary>
    /// n:m pruning. The mask tightens gradually whatever the schedule (as the reference's 2:4 branch
    /// does), towards the m−n largest |V+U| of every group; unlike the reference, which keeps 2 of 4
    /// for any n:m, the groups and counts are the pattern's.
    /// </summary>
    public static Matrix<float> Prune(Matrix<float> weights, Matrix<double> gram, NmPattern pattern, AdmmOptions? options = null)
    {
        pattern.RequireDivides(weights.Columns);
        return Run(weights, gram, pattern.Sparsity, pattern, options ?? new AdmmOptions());
    }

    private static Matrix<float> Run(Matrix<float> weights, Matrix<double> gram, double sparsity, NmPattern? pattern, AdmmOptions options)
    {
        var inputs = weights.Columns;
        if (gram.Rows != inputs) throw new ArgumentException($"Gram matrix is {gram.Rows} wide, the layer has {inputs} inputs");
        var h = gram.Convert<float>();
        var norm = new float[inputs];
        for (var j = 0; j < inputs; j++) norm[j] = MathF.Sqrt(h[j, j]) + 1e-8f;
        var inverseNorm = new float[inputs];
        TensorPrimitives.Reciprocal(norm, inverseNorm);
        h.ScaleColumns(inverseNorm);
        h.ScaleRows(inverseNorm);
        var v0 = weights.Transpose();            // V is d_in × d_out: the preconditioned Wᵀ
        v0.ScaleRows(norm);
        Damping.AddRelative(h, options.Damping);

        var mask = new Matrix<float>(inputs, weights.Rows);
        var maskSelection = new AdmmMaskSelection(v0.Count, weights.Rows, inputs);
        var fixedMask = options.Schedule == AdmmMaskSchedule.FixedMask || options.MaskIterations <= 0;
        if (fixedMask) maskSelection.Select(v0, sparsity, pattern, mask);

        var target = MatrixProduct.Multiply(h, v0);   // B = Ĥ_λ V₀: the proximal pull towards the dense weights
        h.AddToDiagonal(options.Rho);
        var solve = CholeskyFactor<float>.InvertSymmetricPositiveDefinite(h);

        var v = v0;
        var u = new Matrix<float>(inputs, weights.Rows);
        var z = new Matrix<float>(inputs, weights.Rows);
        var sum = new Matrix<float>(inputs, weights.Rows);
        var rhs = new Matrix<float>(inputs, weights.Rows);
        for (var t = 0; t < options.Iterations; t++)
        {
            TensorPrimitives.Add(v.AsSpan(), u.AsSpan(), sum.AsSpan());                 // V + U
            if (!fixedMask && t < options.MaskIterations)
            {
                var current = pattern is not null || options.Schedule == AdmmMaskSchedule.Cubic
                    ? sparsity - sparsity * Math.Pow(1 - (t + 1.0) / options.MaskIterations, 3)
                    : sparsity;
                maskSelection.Select(sum, current, pattern, mask);
            }
            TensorPrimitives.Multiply(sum.AsSpan(), mask.AsSpan(), z.AsSpan());          // Z = (V+U)⊙M
            TensorPrimitives.Subtract(sum.AsSpan(), z.AsSpan(), u.AsSpan());             // U ← U + V − Z
            TensorPrimitives.Subtract(z.AsSpan(), u.AsSpan(), rhs.AsSpan());
            TensorPrimitives.MultiplyAdd(rhs.AsSpan(), options.Rho, target.AsSpan(), rhs.AsSpan());
            MatrixProduct.MultiplyAdd(1f, solve, false, rhs, false, 0f, v);               // V = (Ĥ_λ+ρI)⁻¹(B + ρ(Z−U))
        }
        TensorPrimitives.Add(v.AsSpan(), u.AsSpan(), sum.AsSpan());
        TensorPrimitives.Multiply(sum.AsSpan(), mask.AsSpan(), z.AsSpan());
        z.ScaleRows(inverseNorm);
        return z.Transpose();
    }
}
