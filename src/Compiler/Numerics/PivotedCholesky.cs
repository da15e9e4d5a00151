namespace Dipper.Compiler.Numerics;

/// <summary>
/// Greedy column subset selection by pivoted Cholesky on a Gram matrix G = XᵀX: each step keeps the column with the
/// most energy left once the columns already kept have explained all they linearly can (the largest residual
/// diagonal), then removes that column's part from the others. A column that another kept column reproduces has
/// nothing left and is never kept before one that adds something, which is what merging two networks needs: of two
/// channels that compute the same signal only one is kept.
/// </summary>
public static class PivotedCholesky
{
    /// <summary>The indices of <paramref name="count"/> columns of <paramref name="gram"/> in the order they were kept.</summary>
    /// <param name="gram">A symmetric positive semi-definite matrix.</param>
    /// <param name="count">How many columns to keep (at most its order).</param>
    /// <param name="unexplained">The energy (trace) the kept columns leave unexplained: 0 when they span all columns.</param>
    /// <remarks>Ties, and columns with nothing left once everything is explained, go to the lowest index.</remarks>
    public static int[] Select(Matrix<double> gram, int count, out double unexplained)
    {
        var n = gram.Rows;
        if (gram.Columns != n) throw new ArgumentException($"a Gram matrix is square, got {gram.Rows} × {gram.Columns}", nameof(gram));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, n);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var left = gram.Diagonal();
        var kept = new bool[n];
        var order = new int[count];
        // factors[j] is column j of the partial factor L, so G ≈ L·Lᵀ on the kept columns.
        var factors = new double[count][];
        for (var j = 0; j < count; j++)
        {
            var pivot = -1;
            for (var i = 0; i < n; i++)
            {
                if (!kept[i] && (pivot < 0 || left[i] > left[pivot])) pivot = i;
            }
            kept[pivot] = true;
            order[j] = pivot;
            var column = new double[n];
            if (left[pivot] > 0)
            {
                var scale = 1 / Math.Sqrt(left[pivot]);
                for (var i = 0; i < n; i++)
                {
                    var v = gram[i, pivot];
                    for (var k = 0; k < j; k++) v -= factors[k][i] * factors[k][pivot];
                    column[i] = v * scale;
                }
                for (var i = 0; i < n; i++) left[i] -= column[i] * column[i];
            }
            factors[j] = column;
        }
        unexplained = 0;
        for (var i = 0; i < n; i++) unexplained += kept[i] ? 0 : Math.Max(0, left[i]);
        return order;
    }
}
