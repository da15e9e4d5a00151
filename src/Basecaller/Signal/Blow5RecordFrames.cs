using System.Buffers;
using System.Buffers.Binary;

namespace Dipper.Basecaller.Signal;

/// <summary>
/// Walks the size-framed records of a BLOW5 file: each record is a uint64 size followed by that many
/// bytes, and the file ends with <c>5WOLB</c>. Hands out one stored record at a time in a pooled
/// buffer and says, when framing fails, whether the records after the failure can still be found.
/// </summary>
internal sealed class Blow5RecordFrames(Stream stream, long fileLength, long firstRecordOffset, string path) : IDisposable
{
    private const int SizeFieldLength = 8;
    private static ReadOnlySpan<byte> EndMarker => "5WOLB"u8;

    private readonly byte[] sizeField = new byte[SizeFieldLength];
    private byte[] stored = [];
    private long offset = firstRecordOffset;

    /// <summary>Index of the current record, counted from 0.</summary>
    public int Index { get; private set; } = -1;

    /// <summary>Offset of the current record's size field.</summary>
    public long Offset { get; private set; }

    /// <summary>The current record as stored (still compressed). Valid until the next <see cref="NextAsync"/>.</summary>
    public ArraySegment<byte> Record { get; private set; }

    /// <summary>
    /// Moves to the next record. Returns <see cref="Blow5Frame.Record"/> with <see cref="Record"/> set;
    /// <see cref="Blow5Frame.End"/> at a well-formed end; otherwise the damage, with
    /// <see cref="Blow5Frame.Skipped"/> (framing can go on) or <see cref="Blow5Frame.Stopped"/>.
    /// </summary>
    public async ValueTask<(Blow5Frame Frame, SignalFormatException? Damage)> NextAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await NextFrameAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (SignalFormatException shrank)
        {
            return (Blow5Frame.Stopped, shrank);
        }
    }

    private async ValueTask<(Blow5Frame Frame, SignalFormatException? Damage)> NextFrameAsync(CancellationToken cancellationToken)
    {
        Index++;
        Offset = offset;
        var remaining = fileLength - offset;
        if (remaining < SizeFieldLength)
        {
            var end = new byte[remaining];
            await ReadAtAsync(offset, end, cancellationToken).ConfigureAwait(false);
            return end.AsSpan().SequenceEqual(EndMarker)
                ? (Blow5Frame.End, null)
                : (Blow5Frame.Stopped, Damage(end.Length == 0
                    ? "end marker 5WOLB missing: file truncated or still being written"
                    : $"{end.Length} bytes where the end marker 5WOLB or a record should be: file truncated, still being written, or its end damaged"));
        }

        await ReadAtAsync(offset, sizeField, cancellationToken).ConfigureAwait(false);
        var size = BinaryPrimitives.ReadUInt64LittleEndian(sizeField);
        var available = remaining - SizeFieldLength;
        if (size > (ulong)available)
        {
            return (Blow5Frame.Stopped, Damage(sizeField.AsSpan(0, EndMarker.Length).SequenceEqual(EndMarker)
                ? $"{remaining - EndMarker.Length} unexpected bytes after the end marker 5WOLB"
                : $"record {Index}: size {size} runs past the end of the file ({available} bytes left): file truncated or still being written; the rest cannot be framed"));
        }
        offset += SizeFieldLength + (long)size;
        // A size within the file but beyond any real record is a damaged field: skip rather than allocate it.
        if (size == 0 || size > Blow5RecordDecompressor.MaxRecordBytes)
            return (Blow5Frame.Skipped, Damage($"record {Index}: size {size} is not a plausible record size; skipped"));

        if (stored.Length < (int)size)
        {
            ReturnBuffer();
            stored = ArrayPool<byte>.Shared.Rent((int)size);
        }
        await ReadAtAsync(Offset + SizeFieldLength, stored.AsMemory(0, (int)size), cancellationToken).ConfigureAwait(false);
        Record = new ArraySegment<byte>(stored, 0, (int)size);
        return (Blow5Frame.Record, null);
    }

    private SignalFormatException Damage(string problem) => new(path, problem, Offset);

    /// <summary>Reads bytes the file length promised; if they are gone the file shrank under us, which ends the read.</summary>
    private async ValueTask ReadAtAsync(long position, Memory<byte> destination, CancellationToken cancellationToken)
    {
        try
        {
            stream.Position = position;
            await stream.ReadExactlyAsync(destination, cancellationToken).ConfigureAwait(false);
        }
        catch (EndOfStreamException e)
        {
            throw new SignalFormatException(path, "file shrank while being read", position, inner: e);
        }
    }

    private void ReturnBuffer()
    {
        if (stored.Length > 0) ArrayPool<byte>.Shared.Return(stored);
        stored = [];
    }

    public void Dispose() => ReturnBuffer();
}

/// <summary>What <see cref="Blow5RecordFrames.NextAsync"/> found.</summary>
internal enum Blow5Frame
{
    /// <summary>A record, framed whole.</summary>
    Record,
    /// <summary>The end marker, exactly at the end of the file.</summary>
    End,
    /// <summary>A record that cannot be used, but the next one can still be found.</summary>
    Skipped,
    /// <summary>Framing is lost (size past the end, missing or damaged end): nothing further can be read.</summary>
    Stopped,
}
