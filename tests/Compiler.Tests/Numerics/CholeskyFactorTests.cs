using Dipper.Compiler.Numerics;

namespace Dipper.Compiler.Tests.Numerics;

public class CholeskyFactorTests
{
    // The classic example: [[4,12,-16],[12,37,-43],[-16,-43,98]] = L·Lᵀ with L = [[2,0,0],[6,1,0],[-8,5,3]].
    private static readonly Matrix<double> Classic = new(3, 3, [4, 12, -16, 12, 37, -43, -16, -43, 98]);

    [Fact]
    public void Factor_of_the_classic_example_is_the_known_lower_triangle()
    {
        var l = CholeskyFactor<double>.Compute(Classic).Lower;

        double[] expected = [2, 0, 0, 6, 1, 0, -8, 5, 3];
        Assert.Equal(expected.Length, l.Count);
        for (var i = 0; i < expected.Length; i++) Assert.Equal(expected[i], l.AsSpan()[i], 1e-12);
    }

    [Fact]
    public void Inverse_of_the_classic_example_has_the_known_entries()
    {
        var inverse = CholeskyFactor<double>.Compute(Classic).Inverse();

        // A⁻¹ = (1/36)·[[1777,-488,76],[-488,136,-20],[76,-20,4]] (np.linalg.inv)
        double[] expected = [1777, -488, 76, -488, 136, -20, 76, -20, 4];
        for (var i = 0; i < expected.Length; i++) Assert.Equal(expected[i] / 36, inverse.AsSpan()[i], 1e-9);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(47)]
    [InlineData(48)]
    [InlineData(130)]
    public void Blocked_factor_inverse_and_solves_agree_with_the_matrix(int n)
    {
        var a = SymmetricPositiveDefinite(n, 11);
        var factor = CholeskyFactor<double>.Compute(a);

        var llt = MatrixProduct.MultiplyByTranspose(factor.Lower, factor.Lower);
        var identity = MatrixProduct.Multiply(a, factor.Inverse());
        var b = MatrixProductTests.Random(n, 3, 12);
        var ax = MatrixProduct.Multiply(a, factor.Solve(b));
        var lInverse = MatrixProduct.Multiply(factor.Lower, factor.LowerInverse());

        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                Assert.Equal(a[i, j], llt[i, j], 1e-9);
                Assert.Equal(i == j ? 1 : 0, identity[i, j], 1e-9);
                Assert.Equal(i == j ? 1 : 0, lInverse[i, j], 1e-9);
                if (j > i) Assert.Equal(0, factor.Lower[i, j]);
            }
            for (var j = 0; j < 3; j++) Assert.Equal(b[i, j], ax[i, j], 1e-9);
        }
    }

    [Fact]
    public void Float_inverse_of_a_damped_gram_matrix_is_accurate_to_float_precision()
    {
        var a = SymmetricPositiveDefinite(100, 13).Convert<float>();

        var product = MatrixProduct.Multiply(a, CholeskyFactor<float>.InvertSymmetricPositiveDefinite(a));

        for (var i = 0; i < 100; i++)
            for (var j = 0; j < 100; j++)
                Assert.Equal(i == j ? 1f : 0f, product[i, j], 1e-4f);
    }

    [Fact]
    public void Indefinite_matrix_is_reported_as_not_positive_definite()
    {
        var a = new Matrix<double>(2, 2, [1, 2, 2, 1]);

        Assert.Throws<MatrixNotPositiveDefiniteException>(() => CholeskyFactor<double>.Compute(a));
    }

    [Fact]
    public void Singular_gram_matrix_deep_in_a_blocked_factor_is_reported()
    {
        // Rank 60 < 100: the pivots go non-positive after the first blocks.
        var x = MatrixProductTests.Random(60, 100, 14);
        var h = MatrixProduct.TransposeAndMultiply(x, x);

        Assert.Throws<MatrixNotPositiveDefiniteException>(() => CholeskyFactor<double>.Compute(h));
    }

    [Fact]
    public void Damping_adds_the_fraction_of_the_mean_diagonal()
    {
        var h = new Matrix<double>(2, 2, [2, 1, 1, 4]);

        var added = Damping.AddRelative(h, 0.1);

        Assert.Equal(0.3, added, 1e-15);
        Assert.Equal([2.3, 1, 1, 4.3], h.AsSpan().ToArray());
    }

    internal static Matrix<double> SymmetricPositiveDefinite(int n, int seed)
    {
        var x = MatrixProductTests.Random(2 * n + 5, n, seed);
        var h = MatrixProduct.TransposeAndMultiply(x, x);
        h.AddToDiagonal(0.01);
        return h;
    }
}
