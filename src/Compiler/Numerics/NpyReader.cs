using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace Dipper.Compiler.Numerics;

/// <summary>
/// Reads a 2-D NumPy <c>.npy</c> array of little-endian float32 or float64 in C order, the form in
/// which weights and calibration activations are exchanged with PyTorch tooling. Rows can be read in
/// blocks, so a large calibration set streams into a <see cref="GramMatrix"/>.
/// </summary>
public sealed partial class NpyReader : IDisposable
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];
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

    /// <inheritdoc />
    public void Dispose() => _stream.Dispose();

    private static NpyReader ReadHeader(Stream stream, string path)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("the .npy reader assumes a little-endian machine");
        var prefix = new byte[10];
        if (stream.ReadAtLeast(prefix, prefix.Length, throwOnEndOfStream: false) < prefix.Length || !prefix.AsSpan(0, 6).SequenceEqual(Magic))
            throw new NpyFormatException(path, "not a .npy file (no \\x93NUMPY magic at byte 0)");
        var major = prefix[6];
        int headerLength;
        long headerStart;
        if (major == 1)
        {
            headerLength = prefix[8] | prefix[9] << 8;
            headerStart = 10;
        }
        else if (major is 2 or 3)
        {
            var extra = new byte[2];
            if (stream.ReadAtLeast(extra, 2, throwOnEndOfStream: false) < 2)
                throw new NpyFormatException(path, "truncated header");
            headerLength = prefix[8] | prefix[9] << 8 | extra[0] << 16 | extra[1] << 24;
            headerStart = 12;
        }
        else
        {
            throw new NpyFormatException(path, $".npy format version {major} is not supported (1, 2 or 3 are)");
        }
        var header = new byte[headerLength];
        if (headerLength < 0 || stream.ReadAtLeast(header, headerLength, throwOnEndOfStream: false) < headerLength)
            throw new NpyFormatException(path, "truncated header");
        var text = Encoding.Latin1.GetString(header);

        var descr = DescrPattern().Match(text);
        if (!descr.Success) throw new NpyFormatException(path, "header has no 'descr'");
        var isFloat64 = descr.Groups[1].Value switch
        {
            "<f8" => true,
            "<f4" => false,
            var other => throw new NpyFormatException(path, $"dtype '{other}' is not supported: use little-endian float32 ('<f4') or float64 ('<f8')"),
        };
        var fortran = FortranPattern().Match(text);
        if (!fortran.Success) throw new NpyFormatException(path, "header has no 'fortran_order'");
        if (fortran.Groups[1].Value == "True")
            throw new NpyFormatException(path, "array is in Fortran (column-major) order: save it with np.ascontiguousarray first");
        var shape = ShapePattern().Match(text);
        if (!shape.Success) throw new NpyFormatException(path, "header has no 'shape'");
        var dims = shape.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (dims.Length != 2)
            throw new NpyFormatException(path, $"array has {dims.Length} dimensions ({shape.Groups[1].Value.Trim()}); a 2-D matrix is needed");
        if (!int.TryParse(dims[0], NumberStyles.None, CultureInfo.InvariantCulture, out var rows)
            || !int.TryParse(dims[1], NumberStyles.None, CultureInfo.InvariantCulture, out var columns))
            throw new NpyFormatException(path, $"shape ({shape.Groups[1].Value}) is not two integers");

        var dataOffset = headerStart + headerLength;
        var needed = dataOffset + (long)rows * columns * (isFloat64 ? 8 : 4);
        if (stream.Length < needed)
            throw new NpyFormatException(path, $"truncated: {rows} × {columns} array needs {needed} bytes, file has {stream.Length}");
        return new NpyReader(stream, path, isFloat64, rows, columns, dataOffset);
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
