using Dipper.Compiler.Numerics;
using Dipper.Compiler.Passes.Compression;

namespace Dipper.Compiler.Tests.Passes.Compression;

public class DoubleSparseFactorizationTests
{
    [Fact]
    public void Exactly_factorisable_weights_are_recovered_far_better_than_by_pruning()
    {
        // W = A·B: the inner (input-side, square) factor B is the identity plus 4 entries per row
        // (15 % of 32², within its 16 % share for a square layer), the outer A is 21 % dense (within
        // the other 34 %), and W itself is 87 % dense. The reference on the same matrices gives DSF
        // 4.3e-4, ADMM 0.0159, magnitude 0.0951 (pruning_reference.py's dsf/admm/magnitude at s = 0.5,
        // H from make_layer(32, 32, 512, 6)).
        const int n = 32;
        var b = Matrix<float>.Identity(n);
        for (var i = 0; i < n; i++)
            for (var e = 1; e <= 4; e++)
                b[i, (i * 7 + 5 * e) % n] += 0.8f * ((i + e) % 2 == 0 ? 1 : -1);
        var a = Matrix<float>.Create(n, n, (i, j) => (i * 5 + j * 3) % 4 == 0 ? 1f + 0.5f * ((i + 2 * j) % 3) * (j % 2 == 0 ? 1 : -1) : 0f);
        var w = MatrixProduct.Multiply(a, b);
        var (_, h) = TestLayers.Synthetic(n, n, 6);

        var error = TestLayers.Error(w, DoubleSparseFactorization.Factorize(w, h, 0.5).Product(), h);

        var admm = TestLayers.Error(w, AdmmPruning.Prune(w, h, 0.5), h);
        Assert.True(w.CountNonzeros() > 0.8 * w.Count);
        Assert.True(error < 1e-3, $"DSF error {error}");
        Assert.True(error < 0.05 * admm, $"DSF {error} vs ADMM {admm}");
    }

    [Theory]
    [InlineData(64, 64, 0.16)]    // square: the square factor gets 16 % of r²
    [InlineData(96, 64, 0.25)]    // d_out > d_in: factor Wᵀ, square factor on the input side
    [InlineData(32, 64, 0.25)]    // d_out < d_in: square factor on the output side
    public void Nonzero_budget_is_split_as_the_reference_splits_it(int outputs, int inputs, double share)
    {
        var (w, h) = TestLayers.Synthetic(outputs, inputs, 7);
        var r = Math.Min(outputs, inputs);

        var layer = DoubleSparseFactorization.Factorize(w, h, 0.6);

        var squareBudget = (int)(r * r * share);
        var otherBudget = (int)(w.Count * 0.4 - squareBudget);
        var (square, other) = outputs >= inputs ? (layer.Inner, layer.Outer) : (layer.Outer, layer.Inner);
        Assert.Equal((r, r), (square.Rows, square.Columns));
        Assert.Equal((outputs, r), (layer.Outer.Rows, layer.Outer.Columns));
        Assert.Equal((r, inputs), (layer.Inner.Rows, layer.Inner.Columns));
        Assert.InRange(square.CountNonzeros(), squareBudget - 2, squareBudget);
        Assert.InRange(other.CountNonzeros(), otherBudget - 2, otherBudget);
        var compressed = new CompressedLayer(layer.Product(), layer);
        // Each factor update keeps one fewer than its budget.
        Assert.InRange(compressed.Sparsity, 0.6, 0.6 + 4.0 / w.Count);
    }

    [Fact]
    public void Refit_on_the_full_gram_matrix_lowers_the_error()
    {
        var (w, h) = TestLayers.Synthetic(64, 64, 5);

        var refitted = TestLayers.Error(w, DoubleSparseFactorization.Factorize(w, h, 0.6).Product(), h);
        var phaseOne = TestLayers.Error(w, DoubleSparseFactorization.Factorize(w, h, 0.6, new DsfOptions { Refit = false }).Product(), h);

        Assert.True(refitted < 0.8 * phaseOne, $"refit {refitted} vs phase 1 only {phaseOne}");
    }

    [Fact]
    public void Sparsity_beyond_the_square_factors_share_is_refused()
    {
        // At 90 % a square layer keeps 10 % of numel, less than the square factor's 16 %.
        var (w, h) = TestLayers.Synthetic(16, 16, 1);

        Assert.Contains("square factor", Assert.Throws<ArgumentException>(() => DoubleSparseFactorization.Factorize(w, h, 0.9)).Message);
    }
}
