using System.Buffers;
using System.Buffers.Binary;

namespace Dipper.Basecaller.Signal;

/// <summary>
/// Finds the embedded Arrow tables of a POD5 file: from its footer when the file is whole, or by
/// scanning for the section markers between tables when the footer is missing or damaged.
/// </summary>
/// <remarks>
/// Layout: signature, 16-byte section marker, then each embedded Arrow file padded to 8 bytes and
/// followed by the marker, then <c>FOOTER\0\0</c>, the footer FlatBuffer, the footer length (int64
/// LE), the marker and the signature again. The footer is written last, so a file cut short (a copy
/// interrupted, a disk filled, a run still in progress) has none; its tables still end at markers,
/// and every table before the cut is whole. The table being written when the file was cut keeps its
/// leading record batches, readable in order without the Arrow footer.
/// </remarks>
internal static class Pod5Container
{
    private static ReadOnlySpan<byte> Signature => [0x8B, 0x50, 0x4F, 0x44, 0x0D, 0x0A, 0x1A, 0x0A];
    private static ReadOnlySpan<byte> FooterMagic => "FOOTER\0\0"u8;
    private static ReadOnlySpan<byte> ArrowMagic => "ARROW1"u8;
    private const int MarkerLength = 16;
    private const int HeaderLength = 8 + MarkerLength;
    private const int TrailerLength = 8 + MarkerLength + 8;
    /// <summary>Real footers are a few hundred bytes; a larger length field is damage, not a footer to load.</summary>
    private const int MaxFooterLength = 1 << 20;
    private const int ScanChunk = 1 << 20;

    /// <summary>
    /// Locates the tables. Damage to the container (lost footer) is added to <paramref name="damage"/>
    /// and the tables found by scanning are returned; a file that is not POD5 at all throws.
    /// </summary>
    /// <exception cref="SignalFormatException">The file does not start with the POD5 signature and marker.</exception>
    public static Pod5FooterContents Locate(Stream file, string path, List<SignalFormatException> damage)
    {
        var fileLength = file.Length;
        Span<byte> header = stackalloc byte[HeaderLength];
        if (ReadAt(file, 0, header) < HeaderLength || !header[..8].SequenceEqual(Signature))
            throw new SignalFormatException(path, "not a POD5 file: signature missing or file shorter than the POD5 header", 0);
        var marker = header[8..].ToArray();

        var problem = TryReadFooter(file, fileLength, marker, out var contents, out var problemOffset);
        if (problem is null) return contents!;
        damage.Add(new SignalFormatException(path,
            $"{problem}: the file is truncated, still being written or damaged; reading the whole tables found by their section markers", problemOffset));
        return new Pod5FooterContents(null, Scan(file, fileLength, marker), FromFooter: false);
    }

    /// <summary>Finds the tables by their section markers alone: the second chance when a footer reads well but points at tables that do not.</summary>
    public static Pod5FooterContents Scan(Stream file)
    {
        Span<byte> header = stackalloc byte[HeaderLength];
        ReadAt(file, 0, header);
        return new Pod5FooterContents(null, Scan(file, file.Length, header[8..].ToArray()), FromFooter: false);
    }

    private static string? TryReadFooter(Stream file, long fileLength, byte[] marker, out Pod5FooterContents? contents, out long problemOffset)
    {
        contents = null;
        problemOffset = fileLength;
        if (fileLength < HeaderLength + FooterMagic.Length + TrailerLength) return "file too short to hold a footer";

        Span<byte> trailer = stackalloc byte[TrailerLength];
        ReadAt(file, fileLength - TrailerLength, trailer);
        problemOffset = fileLength - 8;
        if (!trailer[^8..].SequenceEqual(Signature)) return "closing signature missing";
        problemOffset = fileLength - 8 - MarkerLength;
        if (!trailer[8..^8].SequenceEqual(marker)) return "closing section marker differs from the opening one";

        problemOffset = fileLength - TrailerLength;
        var footerLength = BinaryPrimitives.ReadInt64LittleEndian(trailer);
        var footerStart = fileLength - TrailerLength - footerLength;
        if (footerLength <= 0 || footerLength > MaxFooterLength || footerStart < HeaderLength + FooterMagic.Length)
            return $"footer length {footerLength} impossible for a file of {fileLength} bytes";

        var footer = new byte[footerLength + FooterMagic.Length];
        ReadAt(file, footerStart - FooterMagic.Length, footer);
        problemOffset = footerStart - FooterMagic.Length;
        if (!footer.AsSpan(0, FooterMagic.Length).SequenceEqual(FooterMagic)) return "FOOTER mark missing";

        problemOffset = footerStart;
        try
        {
            contents = Pod5Footer.Parse(footer.AsSpan(FooterMagic.Length));
        }
        catch (InvalidDataException e)
        {
            return $"footer damaged ({e.Message})";
        }
        var tablesEnd = footerStart - FooterMagic.Length - MarkerLength;
        foreach (var table in contents.Tables)
        {
            if (table.Offset < HeaderLength || table.Length <= 0 || table.Length > tablesEnd - table.Offset)
                return $"footer places a table at bytes {table.Offset}+{table.Length}, outside the file's tables";
        }
        if (contents.Tables.Count(t => t.Content == Pod5Content.Reads) != 1 || contents.Tables.Count(t => t.Content == Pod5Content.Signal) != 1)
            return "footer does not list exactly one Reads table and one Signal table";
        return null;
    }

    /// <summary>Finds tables by their section markers, stopping at the footer or the end of the file.</summary>
    private static List<Pod5EmbeddedTable> Scan(Stream file, long fileLength, byte[] marker)
    {
        var tables = new List<Pod5EmbeddedTable>();
        Span<byte> magic = stackalloc byte[8];
        long position = HeaderLength;
        while (position < fileLength)
        {
            if (ReadAt(file, position, magic[..6]) < 6 || !magic[..6].SequenceEqual(ArrowMagic)) break; // footer or damage
            var next = FindMarker(file, marker, position, fileLength);
            if (next < 0)
            {
                tables.Add(new Pod5EmbeddedTable(position, fileLength - position, Pod5Content.Unknown, Complete: false));
                break;
            }
            var end = ArrowFileEnd(file, position, next);
            tables.Add(end > 0
                ? new Pod5EmbeddedTable(position, end - position, Pod5Content.Unknown)
                : new Pod5EmbeddedTable(position, next - position, Pod5Content.Unknown, Complete: false));
            position = next + MarkerLength;
        }
        return tables;
    }

    /// <summary>The end of a whole Arrow file that lies before <paramref name="marker"/>, or 0 when the section does not end with Arrow's closing magic.</summary>
    private static long ArrowFileEnd(Stream file, long start, long marker)
    {
        Span<byte> tail = stackalloc byte[8 + 6];
        var tailStart = Math.Max(start, marker - tail.Length);
        var n = ReadAt(file, tailStart, tail[..(int)(marker - tailStart)]);
        var bytes = tail[..n];
        var padding = 0;
        while (padding < 8 && padding < bytes.Length && bytes[^(padding + 1)] == 0) padding++;
        var content = bytes[..^padding];
        // The whole file must be longer than its opening and closing magic.
        return content.EndsWith(ArrowMagic) && marker - padding - start > 12 ? marker - padding : 0;
    }

    /// <summary>Position of the next section marker at or after <paramref name="from"/>, or -1.</summary>
    private static long FindMarker(Stream file, byte[] marker, long from, long fileLength)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ScanChunk);
        try
        {
            var position = from;
            while (position < fileLength)
            {
                var n = ReadAt(file, position, buffer.AsSpan(0, (int)Math.Min(ScanChunk, fileLength - position)));
                if (n < marker.Length) return -1;
                var at = buffer.AsSpan(0, n).IndexOf(marker);
                if (at >= 0) return position + at;
                // Overlap chunks so a marker split across two of them is still seen.
                position += n - (marker.Length - 1);
            }
            return -1;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static int ReadAt(Stream file, long position, Span<byte> buffer)
    {
        file.Position = position;
        return file.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
    }
}
