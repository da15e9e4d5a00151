namespace Dipper.Compiler.Numerics;

/// <summary>
/// H = XᵀX over calibration inputs X (one row per token, time step or im2col patch), accumulated
/// in float64 from blocks of rows as they stream past, so a whole calibration set never has to be
/// held in memory. Every layer-wise method needs only H, never X itself.
/// </summary>
public sealed class GramMatrix
{
    private const int BlockSize = 128;
    private readonly Matrix<double> _lower;

    /// <summary>An empty accumulator for inputs of width <paramref name="inputs"/> (d_in).</summary>
    public GramMatrix(int inputs)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputs);
        _lower = new Matrix<double>(inputs, inputs);
    }

    /// <summary>d_in.</summary>
    public int Inputs => _lower.Rows;

    /// <summary>Number of input rows added so far (N).</summary>
    public long Samples { get; private set; }

    /// <summary>Adds rows (each of width d_in) to H.</summary>
    public void Add(Matrix<double> rows)
    {
        if (rows.Columns != Inputs) throw new ArgumentException($"rows have {rows.Columns} columns, the Gram matrix {Inputs}", nameof(rows));
        // Only the lower triangle, by block rows: half the work of a full XᵀX.
        for (var r0 = 0; r0 < Inputs; r0 += BlockSize)
        {
            var rb = Math.Min(BlockSize, Inputs - r0);
            MatrixProduct.MultiplyAdd(1.0, rows.Block(0, r0, rows.Rows, rb), true, rows.Block(0, 0, rows.Rows, r0 + rb), false,
                1.0, _lower.Block(r0, 0, rb, r0 + rb));
        }
        Samples += rows.Rows;
    }

    /// <summary>Adds float32 rows (converted to float64 first, so the sum keeps float64 precision).</summary>
    public void Add(Matrix<float> rows) => Add(rows.Convert<double>());

    /// <summary>H as a full symmetric matrix (a new copy).</summary>
    public Matrix<double> ToMatrix()
    {
        var h = _lower.Clone();
        for (var i = 0; i < Inputs; i++)
            for (var j = i + 1; j < Inputs; j++)
                h[i, j] = h[j, i];
        return h;
    }

    /// <summary>H from all rows of <paramref name="inputs"/> at once (N × d_in).</summary>
    public static Matrix<double> Of(Matrix<double> inputs)
    {
        var gram = new GramMatrix(inputs.Columns);
        gram.Add(inputs);
        return gram.ToMatrix();
    }
}
