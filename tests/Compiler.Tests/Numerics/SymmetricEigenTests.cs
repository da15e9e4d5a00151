using Dipper.Compiler.Numerics;

namespace Dipper.Compiler.Tests.Numerics;

public class SymmetricEigenTests
{
    [Fact]
    public void Known_matrix_has_its_known_eigenvalues_largest_first()
    {
        // [[2, 1], [1, 2]]: eigenvalues 3 (along (1, 1)) and 1 (along (1, −1)).
        var eigen = SymmetricEigen.Compute(new Matrix<double>(2, 2, [2, 1, 1, 2]));

        Assert.Equal(3, eigen.Values[0], 12);
        Assert.Equal(1, eigen.Values[1], 12);
        Assert.Equal(Math.Abs(eigen.Vectors[0, 0]), Math.Abs(eigen.Vectors[1, 0]), 12);
        Assert.Equal(eigen.Vectors[0, 1], -eigen.Vectors[1, 1], 12);
    }

    [Fact]
    public void Vectors_are_orthonormal_and_rebuild_a_random_gram_matrix()
    {
        const int n = 24;
        var random = new Random(3);
        var x = Matrix<double>.Create(40, n, (_, _) => random.NextDouble() - 0.5);
        var a = MatrixProduct.TransposeAndMultiply(x, x);

        var eigen = SymmetricEigen.Compute(a);

        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                double dot = 0, rebuilt = 0;
                for (var k = 0; k < n; k++)
                {
                    dot += eigen.Vectors[k, i] * eigen.Vectors[k, j];
                    rebuilt += eigen.Vectors[i, k] * eigen.Values[k] * eigen.Vectors[j, k];
                }
                Assert.Equal(i == j ? 1 : 0, dot, 10);
                Assert.Equal(a[i, j], rebuilt, 9);
            }
        }
        Assert.True(eigen.Values.Zip(eigen.Values.Skip(1)).All(p => p.First >= p.Second));
    }
}
