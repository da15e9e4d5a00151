using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.LinearAlgebra.Factorization;

namespace Dipper.Compiler.Numerics;

/// <summary>
/// Eigenvalues and eigenvectors of a symmetric matrix, by Math.NET Numerics' symmetric eigendecomposition
/// (tridiagonal reduction and QL), sorted largest first: the compiler needs them for Gram matrices of a few hundred
/// rows (the principal directions of a block's input patches in the S2D rewrite), in Dipper's own matrix type.
/// </summary>
public sealed class SymmetricEigen
{
    private SymmetricEigen(double[] values, Matrix<double> vectors)
    {
        Values = values;
        Vectors = vectors;
    }

    /// <summary>Eigenvalues, largest first.</summary>
    public double[] Values { get; }

    /// <summary>Eigenvectors as columns, in the order of <see cref="Values"/>, orthonormal.</summary>
    public Matrix<double> Vectors { get; }

    /// <summary>Decomposes <paramref name="a"/> (read only; it must be symmetric).</summary>
    /// <exception cref="ArgumentException">The matrix is not square.</exception>
    public static SymmetricEigen Compute(Matrix<double> a)
    {
        if (a.Rows != a.Columns) throw new ArgumentException($"needs a square matrix, got {a.Rows} × {a.Columns}", nameof(a));
        var n = a.Rows;
        var evd = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.Dense(n, n, (i, j) => a[i, j]).Evd(Symmetricity.Symmetric);
        var order = Enumerable.Range(0, n).OrderByDescending(i => evd.EigenValues[i].Real).ToArray();
        var values = order.Select(i => evd.EigenValues[i].Real).ToArray();
        var vectors = Matrix<double>.Create(n, n, (r, c) => evd.EigenVectors[r, order[c]]);
        return new SymmetricEigen(values, vectors);
    }
}
