using System.Numerics;
using System.Runtime.InteropServices;

namespace Dipper.Compiler.Numerics;

/// <summary>
/// Reads a 2-D NumPy <c>.npy</c> array of little-endian float32 or float64 in C order, the form in
/// which weights and calibration activations are exchanged with PyTorch tooling. Rows can be read in
/// blocks, so a large calibration set streams into a <see cref="GramMatrix"/>.
/// </summary>
public sealed class NpyReader : IDisposable
{
    private readonly Stream _stream;
    private readonly string _path;
    private readonly long _dataOffset;
    private int _rowsRead;

    private NpyReader(Stream stream, string path, bool isFloat64, int rows, int columns, long dataOffset)
    {
        _stream = stream;
        _path = path;
        IsFloat64 = isFloat64;
        Rows = rows;
        Columns = columns;
        _dataOffset = dataOffset;
    }

    /// <summary>True for <c>&lt;f8</c>, false for <c>&lt;f4</c>.</summary>
    public bool IsFloat64 { get; }

    /// <summary>First dimension of the array.</summary>
    public int Rows { get; }

    /// <summary>Second dimension of the array.</summary>
    public int Columns { get; }

    /// <summary>Opens <paramref name="path"/> and checks its header and length.</summary>
    /// <exception cref="NpyFormatException">Not a 2-D float32/float64 C-order array, or shorter than its header says.</exception>
    public static NpyReader Open(string path)
    {
        var stream = File.OpenRead(path);
        try
        {
            var reader = ReadHeader(stream, path);
            stream = null!;
            return reader;
        }
        finally
        {
            stream?.Dispose();
        }
    }

    /// <summary>The whole array.</summary>
    public Matrix<T> ReadAll<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        var m = new Matrix<T>(Rows, Columns);
        if (ReadRows(m) != Rows) throw new NpyFormatException(_path, "array was already partly read");
        return m;
    }

    /// <summary>
    /// Reads the next rows into <paramref name="block"/> (as many as fit); returns how many were read,
    /// 0 at the end. Values are converted to <typeparamref name="T"/>.
    /// </summary>
    public int ReadRows<T>(Matrix<T> block) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (block.Columns != Columns) throw new ArgumentException($"block has {block.Columns} columns, the array {Columns}", nameof(block));
        var count = Math.Min(block.Rows, Rows - _rowsRead);
        var elementSize = IsFloat64 ? 8 : 4;
        var bytes = new byte[Columns * elementSize];
        for (var r = 0; r < count; r++)
        {
            var offset = _dataOffset + (long)(_rowsRead + r) * bytes.Length;
            _stream.Position = offset;
            var got = _stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
            if (got < bytes.Length)
                throw new NpyFormatException(_path, $"truncated: row {_rowsRead + r} at byte {offset} is cut short");
            if (IsFloat64)
                System.Numerics.Tensors.TensorPrimitives.ConvertChecked<double, T>(MemoryMarshal.Cast<byte, double>(bytes), block.Row(r));
            else
                System.Numerics.Tensors.TensorPrimitives.ConvertChecked<float, T>(MemoryMarshal.Cast<byte, float>(bytes), block.Row(r));
        }
        _rowsRead += count;
        return count;
    }

    /// <summary>Reads a whole file at once.</summary>
    public static Matrix<T> Read<T>(string path) where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var reader = Open(path);
        return reader.ReadAll<T>();
    }

    /// <summary>
    /// Reads a whole C-order array of any rank whose dtype is <typeparamref name="T"/>'s (see <see cref="NpyDtype"/>):
    /// the training labels' chunks, references and lengths.
    /// </summary>
    /// <exception cref="NpyFormatException">Another dtype, Fortran order, or data cut short.</exception>
    public static T[] ReadArray<T>(string path, out IReadOnlyList<int> shape) where T : unmanaged
    {
        using var stream = File.OpenRead(path);
        var header = NpyHeader.Read(stream, path);
        var expected = NpyDtype.Of<T>();
        // A byte has no order: NumPy writes '|u1' but '<u1' means the same.
        var same = header.Descr == expected || (expected == "|u1" && header.Descr is "<u1" or "u1");
        if (!same) throw new NpyFormatException(path, $"dtype '{header.Descr}' where '{expected}' was expected");
        var size = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        header.CheckLength(stream, path, size);
        var values = new T[header.Elements];
        stream.Position = header.DataOffset;
        stream.ReadExactly(MemoryMarshal.AsBytes(values.AsSpan()));
        shape = header.Shape;
        return values;
    }

    /// <inheritdoc />
    public void Dispose() => _stream.Dispose();

    private static NpyReader ReadHeader(Stream stream, string path)
    {
        var header = NpyHeader.Read(stream, path);
        var isFloat64 = header.Descr switch
        {
            "<f8" => true,
            "<f4" => false,
            var other => throw new NpyFormatException(path, $"dtype '{other}' is not supported: use little-endian float32 ('<f4') or float64 ('<f8')"),
        };
        if (header.Shape.Count != 2)
            throw new NpyFormatException(path, $"array has {header.Shape.Count} dimensions ({string.Join(", ", header.Shape)}); a 2-D matrix is needed");
        header.CheckLength(stream, path, isFloat64 ? 8 : 4);
        return new NpyReader(stream, path, isFloat64, header.Shape[0], header.Shape[1], header.DataOffset);
    }
}
