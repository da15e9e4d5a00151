using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Dipper.Compiler.Numerics;

/// <summary>
/// The header of a NumPy <c>.npy</c> file: its dtype, its shape and where its C-order data starts. The one
/// place that writes and parses the format's header, so float matrices (weights, activations) and the
/// integer arrays of training labels agree byte for byte with <c>np.save</c> and <c>np.load</c>.
/// </summary>
/// <remarks>
/// Format 1.0: the magic <c>\x93NUMPY</c>, version bytes 1 and 0, a little-endian uint16 header length, then
/// a Python dict literal in Latin-1, padded with spaces and ended by '\n' so the data starts at a multiple
/// of 64 bytes. Versions 2 and 3 differ only in a uint32 length and are read too.
/// </remarks>
/// <param name="Descr">NumPy's dtype string, e.g. <c>&lt;f4</c>, <c>|u1</c>, <c>&lt;i4</c>.</param>
/// <param name="Shape">Dimensions, outermost first; empty for a scalar.</param>
/// <param name="DataOffset">Byte offset of the first element.</param>
public sealed partial record NpyHeader(string Descr, IReadOnlyList<int> Shape, long DataOffset)
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Elements in the array: the product of the shape.</summary>
    public long Elements => Shape.Aggregate(1L, (n, d) => n * d);

    /// <summary>Writes a format 1.0 header for a C-order array; the data follows at a multiple of 64 bytes.</summary>
    public static void Write(Stream stream, string descr, IReadOnlyList<int> shape)
    {
        var inv = CultureInfo.InvariantCulture;
        // Python's tuple repr: "(5,)" for one dimension, "(2, 3)" for more.
        var dims = shape.Count == 1
            ? shape[0].ToString(inv) + ","
            : string.Join(", ", shape.Select(d => d.ToString(inv)));
        var dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': ({dims}), }}";
        var total = (10 + dict.Length + 1 + 63) / 64 * 64;
        var header = dict.PadRight(total - 10 - 1) + "\n";
        if (header.Length > ushort.MaxValue) throw new ArgumentException("shape too long for a format 1.0 header", nameof(shape));
        stream.Write(Magic);
        stream.Write([1, 0, (byte)(header.Length & 0xff), (byte)(header.Length >> 8)]);
        stream.Write(Encoding.Latin1.GetBytes(header));
    }

    /// <summary>Reads and checks the header at the start of <paramref name="stream"/>, leaving it after the header.</summary>
    /// <exception cref="NpyFormatException">No magic, an unknown version, a header cut short or missing a key, or Fortran order.</exception>
    public static NpyHeader Read(Stream stream, string path)
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
        var fortran = FortranPattern().Match(text);
        if (!fortran.Success) throw new NpyFormatException(path, "header has no 'fortran_order'");
        if (fortran.Groups[1].Value == "True")
            throw new NpyFormatException(path, "array is in Fortran (column-major) order: save it with np.ascontiguousarray first");
        var shape = ShapePattern().Match(text);
        if (!shape.Success) throw new NpyFormatException(path, "header has no 'shape'");
        var dims = new List<int>();
        foreach (var dim in shape.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(dim, NumberStyles.None, CultureInfo.InvariantCulture, out var d))
                throw new NpyFormatException(path, $"shape ({shape.Groups[1].Value}) is not a tuple of integers");
            dims.Add(d);
        }
        return new NpyHeader(descr.Groups[1].Value, dims, headerStart + headerLength);
    }

    /// <summary>Refuses a file shorter than its header says its data is.</summary>
    /// <exception cref="NpyFormatException">The data is cut short.</exception>
    public void CheckLength(Stream stream, string path, int elementSize)
    {
        var needed = DataOffset + Elements * elementSize;
        if (stream.Length < needed)
            throw new NpyFormatException(path, $"truncated: {string.Join(" × ", Shape)} array needs {needed} bytes, file has {stream.Length}");
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
