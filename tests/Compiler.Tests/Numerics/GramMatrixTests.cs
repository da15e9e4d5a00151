using Dipper.Compiler.Numerics;

namespace Dipper.Compiler.Tests.Numerics;

public class GramMatrixTests
{
    [Fact]
    public void Gram_matrix_of_two_rows_has_the_hand_computed_entries()
    {
        // X = [[1, 2], [3, 4]]: XᵀX = [[10, 14], [14, 20]].
        var h = GramMatrix.Of(new Matrix<double>(2, 2, [1, 2, 3, 4]));

        Assert.Equal([10, 14, 14, 20], h.AsSpan().ToArray());
    }

    [Fact]
    public void Rows_streamed_in_uneven_blocks_give_the_same_matrix_as_all_at_once()
    {
        var x = MatrixProductTests.Random(301, 150, 21);
        var gram = new GramMatrix(150);

        foreach (var (start, count) in new[] { (0, 1), (1, 100), (101, 7), (108, 193) })
            gram.Add(x.Block(start, 0, count, 150).Clone());

        var expected = MatrixProductTests.Naive(x.Transpose(), x);
        var h = gram.ToMatrix();
        Assert.Equal(301, gram.Samples);
        for (var i = 0; i < 150; i++)
            for (var j = 0; j < 150; j++)
                Assert.Equal(expected[i, j], h[i, j], 1e-10);
    }

    [Fact]
    public void Float32_rows_are_summed_in_float64()
    {
        // 1 + 1e-8 is 1 in float32; a float32 sum of 10⁴ such squares would lose the 1e-4 excess.
        var gram = new GramMatrix(1);
        var row = new Matrix<float>(1, 1, [1.0001f]);
        for (var i = 0; i < 10_000; i++) gram.Add(row);

        Assert.Equal(10_000 * (double)1.0001f * 1.0001f, gram.ToMatrix()[0, 0], 1e-9);
    }
}
