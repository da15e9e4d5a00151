using System.Buffers;
using System.IO.Compression;
using ZstdSharp;

namespace Dipper.Basecaller.Signal;

/// <summary>
/// Undoes a BLOW5 file's record compression (none, zlib or zstd) into one buffer reused from record
/// to record (and, through the shared array pool, from file to file), so steady-state reading
/// allocates nothing per record but the read's own signal.
/// </summary>
/// <remarks>
/// A record's decompressed size is capped twice: by <see cref="MaxRecordBytes"/> and by a ratio to its
/// compressed size that real signal never comes near (nanopore signal compresses about 2:1), so a
/// corrupted frame header can never make the reader allocate gigabytes.
/// </remarks>
internal sealed class Blow5RecordDecompressor : IDisposable
{
    /// <summary>Largest decompressed record accepted: 128 M samples, hours of signal at 5 kHz.</summary>
    public const int MaxRecordBytes = 256 << 20;

    private const int MaxExpansion = 1024;
    private const int TypicalExpansion = 8;
    private readonly Blow5RecordCompression compression;
    private readonly Decompressor? zstd;
    private byte[] buffer = [];

    public Blow5RecordDecompressor(Blow5RecordCompression compression)
    {
        this.compression = compression;
        if (compression == Blow5RecordCompression.Zstd) zstd = new Decompressor();
    }

    /// <summary>
    /// The decompressed record. Valid until the next call. Throws <see cref="InvalidDataException"/>
    /// (or the codec's own exception) when the record does not decompress.
    /// </summary>
    public ReadOnlySpan<byte> Decompress(byte[] record, int length) => compression switch
    {
        Blow5RecordCompression.None => record.AsSpan(0, length),
        Blow5RecordCompression.Zlib => Inflate(record, length),
        _ => UnwrapZstd(record, length),
    };

    private int Limit(int compressedLength) => (int)Math.Min(MaxRecordBytes, Math.Max(1L << 20, (long)compressedLength * MaxExpansion));

    private ReadOnlySpan<byte> Inflate(byte[] record, int length)
    {
        using var inflater = new ZLibStream(new MemoryStream(record, 0, length, writable: false), CompressionMode.Decompress);
        return Drain(inflater, length, "zlib");
    }

    private ReadOnlySpan<byte> UnwrapZstd(byte[] record, int length)
    {
        var frame = record.AsSpan(0, length);
        var limit = Limit(length);
        ulong declared;
        try { declared = Decompressor.GetDecompressedSize(frame); }
        catch (ZstdException)
        {
            // No content size in the frame header (slow5lib always writes one): decompress as a stream.
            return DrainZstd(record, length);
        }
        if (declared > (ulong)limit)
            throw new InvalidDataException($"zstd record declares {declared} bytes, more than the {limit} a record of {length} bytes may hold");
        if (declared > (ulong)length * TypicalExpansion + 65536)
        {
            // Unusually compressible, or a damaged size: let the real output, not the claim, size the buffer.
            var streamed = DrainZstd(record, length);
            if ((ulong)streamed.Length != declared)
                throw new InvalidDataException($"zstd record gave {streamed.Length} bytes but declares {declared}");
            return streamed;
        }
        EnsureCapacity((int)declared);
        var written = zstd!.Unwrap(frame, buffer.AsSpan(0, (int)declared));
        if ((ulong)written != declared)
            throw new InvalidDataException($"zstd record gave {written} bytes but declares {declared}");
        return buffer.AsSpan(0, written);
    }

    private ReadOnlySpan<byte> DrainZstd(byte[] record, int length)
    {
        using var stream = new DecompressionStream(new MemoryStream(record, 0, length, writable: false));
        return Drain(stream, length, "zstd");
    }

    /// <summary>Reads a decompressing stream to its end, growing the buffer only as real output arrives.</summary>
    private ReadOnlySpan<byte> Drain(Stream decompressing, int compressedLength, string codec)
    {
        var limit = Limit(compressedLength);
        EnsureCapacity(Math.Min(limit, Math.Max(4096, compressedLength * 4)));
        var total = 0;
        while (true)
        {
            if (total == buffer.Length)
            {
                if (total >= limit) throw new InvalidDataException($"{codec} record expands past {limit} bytes");
                var grown = ArrayPool<byte>.Shared.Rent((int)Math.Min(limit, (long)buffer.Length * 2));
                buffer.AsSpan(0, total).CopyTo(grown);
                ReturnBuffer();
                buffer = grown;
            }
            var read = decompressing.Read(buffer, total, buffer.Length - total);
            if (read == 0) break;
            total += read;
        }
        return buffer.AsSpan(0, total);
    }

    private void EnsureCapacity(int size)
    {
        if (buffer.Length >= size) return;
        ReturnBuffer();
        buffer = ArrayPool<byte>.Shared.Rent(size);
    }

    private void ReturnBuffer()
    {
        if (buffer.Length > 0) ArrayPool<byte>.Shared.Return(buffer);
        buffer = [];
    }

    public void Dispose()
    {
        ReturnBuffer();
        zstd?.Dispose();
    }
}
