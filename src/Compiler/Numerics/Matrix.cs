using System.Numerics;
using System.Numerics.Tensors;

namespace Dipper.Compiler.Numerics;

/// <summary>
/// A dense row-major matrix, or a rectangular view into one (<see cref="Block"/>), over float32 or
/// float64. Weights are laid out like the training framework's (<c>d_out × d_in</c>, one output per
/// row), so a layer's weights can be read from a <c>.npy</c> file without reordering, and blocks
/// let the blocked factorisations update a sub-matrix in place.
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public sealed class Matrix<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] _storage;
    private readonly int _offset;

    /// <summary>Creates a zero matrix.</summary>
    public Matrix(int rows, int columns)
        : this(new T[checked(rows * columns)], 0, rows, columns, columns)
    {
    }

    /// <summary>Wraps <paramref name="values"/> (row-major, length rows × columns) without copying.</summary>
    public Matrix(int rows, int columns, T[] values)
        : this(values, 0, rows, columns, columns)
    {
        if (values.Length != checked(rows * columns))
            throw new ArgumentException($"{values.Length} values do not fill a {rows} × {columns} matrix", nameof(values));
    }

    private Matrix(T[] storage, int offset, int rows, int columns, int stride)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(columns);
        _storage = storage;
        _offset = offset;
        Rows = rows;
        Columns = columns;
        Stride = stride;
    }

    /// <summary>Number of rows (outputs, for a weight matrix).</summary>
    public int Rows { get; }

    /// <summary>Number of columns (inputs, for a weight matrix).</summary>
    public int Columns { get; }

    /// <summary>Distance in elements between the starts of consecutive rows (&gt; Columns for a block).</summary>
    public int Stride { get; }

    /// <summary>True when the rows follow each other without gaps, so the whole matrix is one span.</summary>
    public bool IsContiguous => Stride == Columns || Rows <= 1;

    /// <summary>Number of entries.</summary>
    public int Count => Rows * Columns;

    /// <summary>Entry (row, column).</summary>
    public T this[int row, int column]
    {
        get => _storage[Index(row, column)];
        set => _storage[Index(row, column)] = value;
    }

    /// <summary>One row as a span; writes go to the matrix.</summary>
    public Span<T> Row(int row)
    {
        if ((uint)row >= (uint)Rows) throw new ArgumentOutOfRangeException(nameof(row));
        return _storage.AsSpan(_offset + row * Stride, Columns);
    }

    /// <summary>All entries as one span (row-major); only for contiguous matrices.</summary>
    public Span<T> AsSpan()
    {
        if (!IsContiguous) throw new InvalidOperationException("a strided block is not one span; use Row()");
        return _storage.AsSpan(_offset, Count);
    }

    /// <summary>A view of rows [row, row+rows) and columns [column, column+columns) sharing storage.</summary>
    public Matrix<T> Block(int row, int column, int rows, int columns)
    {
        if (row < 0 || column < 0 || rows < 0 || columns < 0 || row + rows > Rows || column + columns > Columns)
            throw new ArgumentOutOfRangeException(nameof(rows), $"block {row}+{rows} × {column}+{columns} outside {Rows} × {Columns}");
        return new Matrix<T>(_storage, _offset + row * Stride + column, rows, columns, Stride);
    }

    /// <summary>The n × n identity.</summary>
    public static Matrix<T> Identity(int n)
    {
        var m = new Matrix<T>(n, n);
        for (var i = 0; i < n; i++) m[i, i] = T.One;
        return m;
    }

    /// <summary>Builds a matrix from a function of (row, column); for tests and small set-ups.</summary>
    public static Matrix<T> Create(int rows, int columns, Func<int, int, T> value)
    {
        var m = new Matrix<T>(rows, columns);
        for (var i = 0; i < rows; i++)
            for (var j = 0; j < columns; j++)
                m[i, j] = value(i, j);
        return m;
    }

    /// <summary>A contiguous copy.</summary>
    public Matrix<T> Clone()
    {
        var copy = new Matrix<T>(Rows, Columns);
        CopyTo(copy);
        return copy;
    }

    /// <summary>Copies every entry into <paramref name="target"/> (same shape).</summary>
    public void CopyTo(Matrix<T> target)
    {
        RequireSameShape(target);
        for (var i = 0; i < Rows; i++) Row(i).CopyTo(target.Row(i));
    }

    /// <summary>A contiguous transposed copy.</summary>
    public Matrix<T> Transpose()
    {
        var t = new Matrix<T>(Columns, Rows);
        // Tiles keep both the reads and the writes within a few cache lines.
        const int tile = 32;
        for (var i0 = 0; i0 < Rows; i0 += tile)
            for (var j0 = 0; j0 < Columns; j0 += tile)
            {
                var i1 = Math.Min(i0 + tile, Rows);
                var j1 = Math.Min(j0 + tile, Columns);
                for (var i = i0; i < i1; i++)
                {
                    var row = Row(i);
                    for (var j = j0; j < j1; j++) t._storage[j * Rows + i] = row[j];
                }
            }
        return t;
    }

    /// <summary>A float64 or float32 copy (rounded to nearest when narrowing).</summary>
    public Matrix<TOther> Convert<TOther>() where TOther : unmanaged, IFloatingPointIeee754<TOther>
    {
        var m = new Matrix<TOther>(Rows, Columns);
        for (var i = 0; i < Rows; i++)
        {
            TensorPrimitives.ConvertChecked<T, TOther>(Row(i), m.Row(i));
        }
        return m;
    }

    /// <summary>The diagonal of a square matrix.</summary>
    public T[] Diagonal()
    {
        var n = Math.Min(Rows, Columns);
        var d = new T[n];
        for (var i = 0; i < n; i++) d[i] = this[i, i];
        return d;
    }

    /// <summary>Adds <paramref name="value"/> to every diagonal entry (damping, ridge terms).</summary>
    public void AddToDiagonal(T value)
    {
        var n = Math.Min(Rows, Columns);
        for (var i = 0; i < n; i++) this[i, i] += value;
    }

    /// <summary>Number of entries that are not exactly zero (what a sparse format has to store).</summary>
    public int CountNonzeros()
    {
        var count = 0;
        for (var i = 0; i < Rows; i++)
            foreach (var v in Row(i))
                if (v != T.Zero) count++;
        return count;
    }

    /// <summary>Multiplies row i by <paramref name="factors"/>[i].</summary>
    public void ScaleRows(ReadOnlySpan<T> factors)
    {
        if (factors.Length != Rows) throw new ArgumentException($"{factors.Length} factors for {Rows} rows");
        for (var i = 0; i < Rows; i++) TensorPrimitives.Multiply(Row(i), factors[i], Row(i));
    }

    /// <summary>Multiplies column j by <paramref name="factors"/>[j].</summary>
    public void ScaleColumns(ReadOnlySpan<T> factors)
    {
        if (factors.Length != Columns) throw new ArgumentException($"{factors.Length} factors for {Columns} columns");
        for (var i = 0; i < Rows; i++) TensorPrimitives.Multiply(Row(i), factors, Row(i));
    }

    /// <summary>Throws unless <paramref name="other"/> has this matrix's shape.</summary>
    public void RequireSameShape(Matrix<T> other)
    {
        if (other.Rows != Rows || other.Columns != Columns)
            throw new ArgumentException($"shape {other.Rows} × {other.Columns} does not match {Rows} × {Columns}");
    }

    internal T[] Storage => _storage;

    internal int Offset => _offset;

    private int Index(int row, int column)
    {
        if ((uint)row >= (uint)Rows || (uint)column >= (uint)Columns)
            throw new ArgumentOutOfRangeException(nameof(row), $"({row}, {column}) outside {Rows} × {Columns}");
        return _offset + row * Stride + column;
    }
}
