using Dipper.Compiler.Numerics;

namespace Dipper.Compiler.Tests.Numerics;

public class MatrixProductTests
{
    [Fact]
    public void Two_by_two_product_has_the_textbook_value()
    {
        var a = new Matrix<double>(2, 2, [1, 2, 3, 4]);
        var b = new Matrix<double>(2, 2, [5, 6, 7, 8]);

        var c = MatrixProduct.Multiply(a, b);

        Assert.Equal([19, 22, 43, 50], c.AsSpan().ToArray());
    }

    [Theory]
    [InlineData(1, 1, 1, false, false)]
    [InlineData(13, 7, 29, false, false)]
    [InlineData(100, 300, 37, false, false)]
    [InlineData(33, 65, 70, true, false)]
    [InlineData(33, 65, 70, false, true)]
    [InlineData(130, 257, 61, true, true)]
    public void Double_product_matches_the_naive_sum_for_any_shape_and_transpose(int m, int k, int n, bool ta, bool tb)
    {
        var a = Random(ta ? k : m, ta ? m : k, 1);
        var b = Random(tb ? n : k, tb ? k : n, 2);

        var c = MatrixProduct.Multiply(a, ta, b, tb);

        var expected = Naive(ta ? a.Transpose() : a, tb ? b.Transpose() : b);
        for (var i = 0; i < m; i++)
            for (var j = 0; j < n; j++)
                Assert.Equal(expected[i, j], c[i, j], 1e-12);
    }

    [Fact]
    public void Float_product_matches_the_naive_sum_to_float_precision()
    {
        var a = Random(70, 300, 3).Convert<float>();
        var b = Random(300, 45, 4).Convert<float>();

        var c = MatrixProduct.Multiply(a, b);

        var expected = Naive(a.Convert<double>(), b.Convert<double>());
        for (var i = 0; i < c.Rows; i++)
            for (var j = 0; j < c.Columns; j++)
                Assert.Equal(expected[i, j], c[i, j], 1e-4);
    }

    [Fact]
    public void Multiply_add_scales_and_accumulates_into_a_block_of_a_larger_matrix()
    {
        var a = Random(5, 4, 5);
        var b = Random(4, 6, 6);
        var big = Random(10, 10, 7);
        var before = big.Clone();

        MatrixProduct.MultiplyAdd(2.0, a, false, b, false, 0.5, big.Block(3, 2, 5, 6));

        var ab = Naive(a, b);
        for (var i = 0; i < 10; i++)
            for (var j = 0; j < 10; j++)
            {
                var inside = i is >= 3 and < 8 && j is >= 2 and < 8;
                var expected = inside ? 0.5 * before[i, j] + 2 * ab[i - 3, j - 2] : before[i, j];
                Assert.Equal(expected, big[i, j], 1e-12);
            }
    }

    [Fact]
    public void Target_overlapping_an_operand_is_refused()
    {
        var m = Random(8, 8, 8);

        Assert.Throws<ArgumentException>(() =>
            MatrixProduct.MultiplyAdd(1.0, m.Block(0, 0, 4, 4), false, m.Block(0, 4, 4, 4), false, 1.0, m.Block(2, 2, 4, 4)));
    }

    [Fact]
    public void Mismatched_inner_dimensions_are_refused()
    {
        Assert.Throws<ArgumentException>(() => MatrixProduct.Multiply(new Matrix<double>(2, 3), new Matrix<double>(2, 3)));
    }

    internal static Matrix<double> Random(int rows, int columns, int seed)
    {
        var random = new Random(seed);
        return Matrix<double>.Create(rows, columns, (_, _) => random.NextDouble() * 2 - 1);
    }

    internal static Matrix<double> Naive(Matrix<double> a, Matrix<double> b)
    {
        var c = new Matrix<double>(a.Rows, b.Columns);
        for (var i = 0; i < a.Rows; i++)
            for (var j = 0; j < b.Columns; j++)
            {
                var sum = 0.0;
                for (var p = 0; p < a.Columns; p++) sum += a[i, p] * b[p, j];
                c[i, j] = sum;
            }
        return c;
    }
}
