namespace Dipper.Compiler.Numerics;

/// <summary>
/// Eigenvalues and eigenvectors of a symmetric matrix by cyclic Jacobi rotations: each rotation zeroes one
/// off-diagonal pair, sweeps repeat until the off-diagonal mass is negligible. Slow for large matrices (n³ per
/// sweep) but exact to float64 rounding and simple to trust; the compiler needs it for Gram matrices of a few
/// hundred rows (the principal directions of a block's input patches in the S2D rewrite).
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
    public static SymmetricEigen Compute(Matrix<double> a, int maxSweeps = 60)
    {
        if (a.Rows != a.Columns) throw new ArgumentException($"needs a square matrix, got {a.Rows} × {a.Columns}", nameof(a));
        var n = a.Rows;
        var m = a.Clone();
        var v = Matrix<double>.Identity(n);
        var scale = 0.0;
        for (var i = 0; i < n; i++)
            for (var j = 0; j < n; j++) scale += m[i, j] * m[i, j];
        for (var sweep = 0; sweep < maxSweeps; sweep++)
        {
            var off = 0.0;
            for (var i = 0; i < n; i++)
                for (var j = i + 1; j < n; j++) off += m[i, j] * m[i, j];
            if (off <= 1e-26 * scale || off == 0) break;
            for (var p = 0; p < n; p++)
            {
                for (var q = p + 1; q < n; q++)
                {
                    var apq = m[p, q];
                    if (apq == 0) continue;
                    // The rotation angle that zeroes m[p, q]: t = tan θ, the smaller root of t² + 2τt − 1 = 0.
                    var tau = (m[q, q] - m[p, p]) / (2 * apq);
                    var t = Math.Sign(tau) / (Math.Abs(tau) + Math.Sqrt(1 + tau * tau));
                    if (tau == 0) t = 1;
                    var c = 1 / Math.Sqrt(1 + t * t);
                    var s = t * c;
                    for (var k = 0; k < n; k++)
                    {
                        var (mkp, mkq) = (m[k, p], m[k, q]);
                        m[k, p] = c * mkp - s * mkq;
                        m[k, q] = s * mkp + c * mkq;
                    }
                    for (var k = 0; k < n; k++)
                    {
                        var (mpk, mqk) = (m[p, k], m[q, k]);
                        m[p, k] = c * mpk - s * mqk;
                        m[q, k] = s * mpk + c * mqk;
                    }
                    for (var k = 0; k < n; k++)
                    {
                        var (vkp, vkq) = (v[k, p], v[k, q]);
                        v[k, p] = c * vkp - s * vkq;
                        v[k, q] = s * vkp + c * vkq;
                    }
                }
            }
        }
        var order = Enumerable.Range(0, n).OrderByDescending(i => m[i, i]).ToArray();
        var values = order.Select(i => m[i, i]).ToArray();
        var vectors = Matrix<double>.Create(n, n, (r, c) => v[r, order[c]]);
        return new SymmetricEigen(values, vectors);
    }
}
