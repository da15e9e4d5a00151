namespace Dipper.Basecaller.Signal;

/// <summary>
/// A read-only window onto one embedded Arrow file inside a POD5 file. Arrow's readers expect a
/// stream that is the whole Arrow file (they seek to its end for the Arrow footer), and POD5 packs
/// several such files into one, so each table gets a window over the shared file stream.
/// </summary>
/// <remarks>
/// Windows over the same file share its position: every read seeks first, so windows may be used
/// alternately (Reads table, then Signal table) but not concurrently. Reads are done inline even when
/// called asynchronously: Arrow issues many small reads per message, and a thread hop per read of a
/// local file costs more than the read.
/// </remarks>
internal sealed class Pod5SectionStream(Stream file, long start, long length) : Stream
{
    private long _position;

    /// <inheritdoc />
    public override bool CanRead => true;
    /// <inheritdoc />
    public override bool CanSeek => true;
    /// <inheritdoc />
    public override bool CanWrite => false;
    /// <inheritdoc />
    public override long Length => length;

    /// <inheritdoc />
    public override long Position
    {
        get => _position;
        set => _position = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
    }

    /// <inheritdoc />
    public override int Read(Span<byte> buffer)
    {
        if (_position >= length) return 0;
        var wanted = (int)Math.Min(buffer.Length, length - _position);
        file.Position = start + _position;
        var total = 0;
        while (total < wanted)
        {
            var got = file.Read(buffer[total..wanted]);
            if (got == 0) break;
            total += got;
        }
        _position += total;
        return total;
    }

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <inheritdoc />
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Read(buffer.Span));
    }

    /// <inheritdoc />
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin)
    {
        Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            SeekOrigin.End => length + offset,
            _ => throw new ArgumentOutOfRangeException(nameof(origin)),
        };
        return _position;
    }

    /// <inheritdoc />
    public override void Flush() { }
    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();
    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
