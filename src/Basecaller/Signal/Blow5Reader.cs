using System.Runtime.CompilerServices;

namespace Dipper.Basecaller.Signal;

/// <summary>
/// Reads BLOW5, the binary SLOW5: a header, then records each framed by a uint64 size, then the
/// end marker <c>5WOLB</c>. Records are compressed independently (none, zlib or zstd; signal none,
/// svb-zd or ex-zd), so a damaged record is reported and skipped and the reads after it still come.
/// </summary>
/// <remarks>
/// <para>Memory: one record at a time, whatever the file's size. The reader keeps one pooled buffer
/// for the record as stored and one for it decompressed (each as large as the largest record so
/// far; both capped at 256 MB, far beyond any real read), plus the signal of the read being yielded.</para>
/// <para>Damage: a record that does not decompress or whose lengths do not add up is skipped; a size
/// field that runs past the end of the file leaves the rest unframable, so reading stops there; a
/// missing end marker means the file was cut short or is still being written. All of it is reported
/// in one <see cref="SignalFormatException"/> after the last good read.</para>
/// </remarks>
public sealed class Blow5Reader : ISignalReader
{
    private readonly Stream stream;
    private int enumerated;

    /// <summary>Opens a BLOW5 file for reading; other processes may keep writing or deleting it.</summary>
    public Blow5Reader(string path)
        : this(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16), path)
    {
    }

    /// <summary>
    /// Reads BLOW5 from a seekable stream, which the reader then owns; lets tests and callers that
    /// hold the bytes in memory use the same checks as files on disk.
    /// </summary>
    public Blow5Reader(Stream stream, string displayPath)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentException.ThrowIfNullOrEmpty(displayPath);
        if (!stream.CanSeek || !stream.CanRead) throw new ArgumentException("BLOW5 needs a readable, seekable stream", nameof(stream));
        this.stream = stream;
        Path = displayPath;
    }

    /// <inheritdoc />
    public string Path { get; }

    /// <inheritdoc />
    public SignalFormat Format => SignalFormat.Blow5;

    /// <inheritdoc />
    public async IAsyncEnumerable<Read> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref enumerated, 1) != 0) throw new InvalidOperationException("a BLOW5 reader can be enumerated once");
        // The length is taken once: a file still being written is read as it stood, and its unfinished tail reported.
        var fileLength = stream.Length;
        var header = await Blow5Header.ReadAsync(stream, fileLength, Path, cancellationToken).ConfigureAwait(false);
        var decoder = new Blow5RecordDecoder(header.Text, header.SignalCompression, Path);
        using var decompressor = new Blow5RecordDecompressor(header.RecordCompression);
        using var frames = new Blow5RecordFrames(stream, fileLength, header.FirstRecordOffset, Path);
        var damage = new List<SignalFormatException>();

        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (frame, frameDamage) = await frames.NextAsync(cancellationToken).ConfigureAwait(false);
            if (frameDamage is not null) damage.Add(frameDamage);
            if (frame is Blow5Frame.End or Blow5Frame.Stopped) break;
            if (frame is Blow5Frame.Skipped) continue;

            Read? read = null;
            try
            {
                read = decoder.Decode(decompressor, frames.Record);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                damage.Add(new SignalFormatException(Path, $"record {frames.Index} is damaged and was skipped: {e.Message}",
                    frames.Offset, decoder.ReadId, e));
            }
            if (read is not null) yield return read;
        }

        if (SignalFormatException.Combine(damage) is { } combined) throw combined;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => stream.DisposeAsync();
}
