using System.Buffers.Binary;
using System.Text;

namespace Dipper.Basecaller.Signal;

/// <summary>How a whole BLOW5 record is compressed (byte 9 of the file).</summary>
internal enum Blow5RecordCompression : byte { None = 0, Zlib = 1, Zstd = 2 }

/// <summary>How the raw signal inside a BLOW5 record is compressed (byte 14 of the file).</summary>
internal enum Blow5SignalCompression : byte { None = 0, SvbZd = 1, ExZd = 2 }

/// <summary>
/// The start of a BLOW5 file: a 64-byte binary preamble (magic <c>BLOW5\1</c>, version, record and
/// signal compression, read-group count, zero padding), a uint32 length and the SLOW5 text header.
/// Records follow directly after it.
/// </summary>
internal sealed class Blow5Header
{
    private const int PreambleLength = 64;
    private const int HeaderLengthOffset = 64;
    private const int MaxReadGroups = 1 << 16;
    private static ReadOnlySpan<byte> Magic => "BLOW5\u0001"u8;

    private Blow5Header(Blow5RecordCompression recordCompression, Blow5SignalCompression signalCompression,
        Slow5Header text, long firstRecordOffset)
    {
        RecordCompression = recordCompression;
        SignalCompression = signalCompression;
        Text = text;
        FirstRecordOffset = firstRecordOffset;
    }

    /// <summary>Compression of every record as a whole.</summary>
    public Blow5RecordCompression RecordCompression { get; }

    /// <summary>Compression of the signal inside each record.</summary>
    public Blow5SignalCompression SignalCompression { get; }

    /// <summary>Read groups and record schema.</summary>
    public Slow5Header Text { get; }

    /// <summary>Byte offset of the first record's size field.</summary>
    public long FirstRecordOffset { get; }

    /// <summary>
    /// Reads and checks the header from the start of <paramref name="stream"/>.
    /// </summary>
    /// <exception cref="SignalFormatException">The header is damaged, cut short or of an unknown version.</exception>
    public static async ValueTask<Blow5Header> ReadAsync(Stream stream, long fileLength, string path, CancellationToken cancellationToken)
    {
        var preamble = new byte[PreambleLength + 4];
        if (fileLength < preamble.Length)
            throw new SignalFormatException(path, $"file of {fileLength} bytes is shorter than the BLOW5 header: truncated or still being written", fileLength);
        stream.Position = 0;
        await ReadExactlyAsync(stream, preamble, path, cancellationToken).ConfigureAwait(false);
        var (recordCompression, signalCompression, groups) = ParsePreamble(preamble, path);

        var textLength = BinaryPrimitives.ReadUInt32LittleEndian(preamble.AsSpan(HeaderLengthOffset));
        if (textLength > fileLength - preamble.Length)
            throw new SignalFormatException(path, $"header length {textLength} runs past the end of the file ({fileLength} bytes): truncated or corrupt", HeaderLengthOffset);
        var textBytes = new byte[textLength];
        await ReadExactlyAsync(stream, textBytes, path, cancellationToken).ConfigureAwait(false);
        var text = ParseText(textBytes, groups, path, textLength);
        return new Blow5Header(recordCompression, signalCompression, text, preamble.Length + (long)textLength);
    }

    private static async ValueTask ReadExactlyAsync(Stream stream, byte[] destination, string path, CancellationToken cancellationToken)
    {
        var start = stream.Position;
        try
        {
            await stream.ReadExactlyAsync(destination, cancellationToken).ConfigureAwait(false);
        }
        catch (EndOfStreamException e)
        {
            throw new SignalFormatException(path, "file shrank while its header was being read", start, inner: e);
        }
    }

    private static (Blow5RecordCompression, Blow5SignalCompression, int) ParsePreamble(ReadOnlySpan<byte> preamble, string path)
    {
        if (!preamble.StartsWith(Magic)) throw new SignalFormatException(path, "not a BLOW5 file (no BLOW5\\1 magic)", 0);
        if (preamble[6] > 1)
            throw new SignalFormatException(path, $"BLOW5 version {preamble[6]}.{preamble[7]}.{preamble[8]} is newer than this reader knows", 6);
        var record = preamble[9];
        if (record > (byte)Blow5RecordCompression.Zstd)
            throw new SignalFormatException(path, $"unknown record compression {record}", 9);
        var groups = BinaryPrimitives.ReadUInt32LittleEndian(preamble[10..]);
        if (groups is 0 or > MaxReadGroups)
            throw new SignalFormatException(path, $"read-group count {groups} is not plausible", 10);
        var signal = preamble[14];
        if (signal > (byte)Blow5SignalCompression.ExZd)
            throw new SignalFormatException(path, $"unknown signal compression {signal}", 14);
        return ((Blow5RecordCompression)record, (Blow5SignalCompression)signal, (int)groups);
    }

    private static Slow5Header ParseText(byte[] textBytes, int groups, string path, uint textLength)
    {
        var builder = new Slow5Header.Builder(groups);
        var lineStart = 0;
        try
        {
            var text = Encoding.UTF8.GetString(textBytes);
            while (lineStart < text.Length && !builder.IsComplete)
            {
                var end = text.IndexOf('\n', lineStart);
                if (end < 0) break; // A line without its end means the stated length cut the header short.
                builder.Add(text[lineStart..end]);
                lineStart = end + 1;
            }
            if (builder.IsComplete && lineStart != text.Length)
                throw new InvalidDataException($"{text.Length - lineStart} unexpected bytes after the column-names line");
            return builder.Build();
        }
        catch (InvalidDataException e)
        {
            throw new SignalFormatException(path,
                $"damaged text header ({e.Message}); its length field at byte {HeaderLengthOffset} says {textLength} bytes",
                HeaderLengthOffset + 4 + (long)lineStart, inner: e);
        }
    }
}
