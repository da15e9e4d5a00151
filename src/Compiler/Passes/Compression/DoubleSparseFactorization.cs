using System.Numerics.Tensors;
using Dipper.Compiler.Numerics;

namespace Dipper.Compiler.Passes.Compression;

/// <summary>
/// Double Sparse Factorization (Boža &amp; Macko 2024, "Two sparse matrices are better than one";
/// the reference follows <c>doublesparse.py</c>): W ≈ A·B with both factors sparse and
/// nnz(A) + nnz(B) within the budget of a single pruned matrix. The layer then runs as two smaller
/// layers (B first), which is a real saving on hardware that does not skip zeros.
/// Phase 1 alternates sparse least-squares updates of the two factors with H replaced by its
/// diagonal; phase 2 (<see cref="FactorRefit"/>) re-fits the outer factor under the full H.
/// </summary>
public static class DoubleSparseFactorization
{
    /// <summary>Factorises <paramref name="weights"/> (d_out × d_in) so that nnz(A)+nnz(B) ≈ (1−s)·numel(W).</summary>
    public static FactorizedLayer Factorize(Matrix<float> weights, Matrix<double> gram, double sparsity, DsfOptions? options = null)
    {
        options ??= new DsfOptions();
        int outputs = weights.Rows, inputs = weights.Columns;
        if (gram.Rows != inputs) throw new ArgumentException($"Gram matrix is {gram.Rows} wide, the layer has {inputs} inputs");
        var share = options.SquareFactorShare ?? (outputs == inputs ? 0.16 : 0.25);
        var density = 1 - sparsity;
        var h = gram.Convert<float>();
        var norm = new float[inputs];
        for (var j = 0; j < inputs; j++) norm[j] = MathF.Sqrt(h[j, j]) + 1e-8f;
        var inverseNorm = new float[inputs];
        TensorPrimitives.Reciprocal(norm, inverseNorm);

        var r = Math.Min(outputs, inputs);
        var squareBudget = (int)(r * r * share);
        var otherBudget = (int)(weights.Count * density - squareBudget);
        if (squareBudget <= 0 || otherBudget <= 0)
            throw new ArgumentException(
                $"DSF cannot reach sparsity {sparsity:0.###} on a {outputs} × {inputs} layer: its square factor alone takes {squareBudget} of the {(int)(weights.Count * density)} nonzeros");

        Matrix<float> outer, inner;
        if (outputs >= inputs)
        {
            // The square factor goes on the input side: factorise Wᵀ (d_in × d_out) with its rows weighted.
            var scaled = weights.Transpose();
            scaled.ScaleRows(norm);
            var (square, other) = Alternate(scaled, squareBudget, otherBudget, options.Alternations);
            outer = other.Transpose();               // d_out × d_in
            square.ScaleRows(inverseNorm);
            inner = square.Transpose();              // d_in × d_in
        }
        else
        {
            // The square factor goes on the output side: factorise W with its columns weighted.
            var scaled = weights.Clone();
            scaled.ScaleColumns(norm);
            var (square, other) = Alternate(scaled, squareBudget, otherBudget, options.Alternations);
            outer = square;                          // d_out × d_out
            other.ScaleColumns(inverseNorm);
            inner = other;                           // d_out × d_in
        }
        if (options.Refit) outer = FactorRefit.Refit(h, weights, outer, inner, options.RefitIterations);
        return new FactorizedLayer(outer, inner);
    }

    /// <summary>
    /// Phase 1 (the reference's <c>_alt_loop</c>) on the weighted matrix Wn (r × c): the square factor
    /// A starts as the identity, B as Wn magnitude-pruned to half its budget; the warm-start penalty
    /// rises as min(1, t/(T−3))³.
    /// </summary>
    private static (Matrix<float> Square, Matrix<float> Other) Alternate(Matrix<float> wn, int squareBudget, int otherBudget, int alternations)
    {
        var r = wn.Rows;
        if (alternations < 4) throw new ArgumentOutOfRangeException(nameof(alternations), "the penalty schedule needs at least 4 alternations");
        var a = Matrix<float>.Identity(r);
        var aDual = new Matrix<float>(r, r);
        var b = HalfBudgetStart(wn, otherBudget);
        var bDual = new Matrix<float>(wn.Rows, wn.Columns);
        var wnT = wn.Transpose();
        for (var t = 0; t < alternations; t++)
        {
            var penalty = (float)Math.Pow(Math.Min(1.0, (double)t / (alternations - 3)), 3);
            // A-step: Bᵀ·Aᵀ ≈ Wnᵀ.
            var (aT, aDualT) = SparseLeastSquares.Solve(b.Transpose(), wnT, squareBudget, a.Transpose(), aDual.Transpose(), penalty);
            a = aT.Transpose();
            aDual = aDualT.Transpose();
            // B-step: A·B ≈ Wn.
            (b, bDual) = SparseLeastSquares.Solve(a, wn, otherBudget, b, bDual, penalty);
        }
        return (a, b);
    }

    /// <summary>Wn with |w| strictly above the value at sorted index int(numel·(1 − budget/2/numel)) kept.</summary>
    private static Matrix<float> HalfBudgetStart(Matrix<float> wn, int otherBudget)
    {
        var b = wn.Clone();
        var values = b.AsSpan();
        var magnitude = new float[values.Length];
        TensorPrimitives.Abs(values, magnitude);
        var prunedFraction = 1 - (double)otherBudget / 2 / values.Length;
        var threshold = Selection.KthSmallest<float>(magnitude.ToArray(), (int)(values.Length * prunedFraction));
        for (var i = 0; i < values.Length; i++)
            if (!(magnitude[i] > threshold)) values[i] = 0;
        return b;
    }
}
