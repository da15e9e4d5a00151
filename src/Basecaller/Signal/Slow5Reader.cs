using System.Runtime.CompilerServices;
using System.Text;

namespace Dipper.Basecaller.Signal;

/// <summary>
/// Reads SLOW5, the tab-separated text form of the community's signal format: a header of
/// <c>#</c> and <c>@</c> lines, then one line per read. Each line stands alone, so a malformed line
/// is reported by number and skipped, and the reads after it still come.
/// </summary>
/// <remarks>
/// <para>Memory: one line at a time (a line buffer as long as the longest line so far) plus the
/// signal of the read being yielded, whatever the file's size.</para>
/// <para>A last line without a line end is never delivered: the file was cut short or is still being
/// written. Text has no end marker, so a file cut exactly at a line end cannot be told from a whole one.</para>
/// </remarks>
public sealed class Slow5Reader : ISignalReader
{
    private readonly Stream stream;
    private int enumerated;

    /// <summary>Opens a SLOW5 file for reading; other processes may keep writing or deleting it.</summary>
    public Slow5Reader(string path)
        : this(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1), path)
    {
    }

    /// <summary>Reads SLOW5 text from a stream, which the reader then owns; lets tests feed altered bytes from memory.</summary>
    public Slow5Reader(Stream stream, string displayPath)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentException.ThrowIfNullOrEmpty(displayPath);
        if (!stream.CanRead) throw new ArgumentException("SLOW5 needs a readable stream", nameof(stream));
        this.stream = stream;
        Path = displayPath;
    }

    /// <inheritdoc />
    public string Path { get; }

    /// <inheritdoc />
    public SignalFormat Format => SignalFormat.Slow5;

    /// <inheritdoc />
    public async IAsyncEnumerable<Read> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref enumerated, 1) != 0) throw new InvalidOperationException("a SLOW5 reader can be enumerated once");
        var lines = new Slow5TextLines(stream);
        var header = await ReadHeaderAsync(lines, cancellationToken).ConfigureAwait(false);
        var parser = new Slow5TextRecord(header, Path);
        var damage = new List<SignalFormatException>();

        while (true)
        {
            try
            {
                if (!await lines.NextAsync(cancellationToken).ConfigureAwait(false)) break;
            }
            catch (InvalidDataException e)
            {
                damage.Add(new SignalFormatException(Path, $"{e.Message}; reading stopped there", lines.NextOffset, inner: e));
                break;
            }
            if (!lines.Terminated)
            {
                damage.Add(new SignalFormatException(Path,
                    $"line {lines.LineNumber} has no line end: file truncated or still being written; the line was not used", lines.Offset));
                break;
            }
            Read? read = null;
            try
            {
                read = parser.Parse(lines.Current.Span);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                damage.Add(new SignalFormatException(Path, $"line {lines.LineNumber} is malformed and was skipped: {e.Message}",
                    lines.Offset, parser.ReadId, e));
            }
            if (read is not null) yield return read;
        }

        if (SignalFormatException.Combine(damage) is { } combined) throw combined;
    }

    /// <summary>Reads the header lines; any fault in them is fatal, since every record is read through them.</summary>
    private async ValueTask<Slow5Header> ReadHeaderAsync(Slow5TextLines lines, CancellationToken cancellationToken)
    {
        var builder = new Slow5Header.Builder(readGroupCount: null);
        while (!builder.IsComplete)
        {
            try
            {
                if (!await lines.NextAsync(cancellationToken).ConfigureAwait(false))
                    throw new SignalFormatException(Path, "file ends inside the header: truncated or still being written", lines.Offset);
                if (!lines.Terminated)
                    throw new SignalFormatException(Path, $"header line {lines.LineNumber} has no line end: file truncated or still being written", lines.Offset);
                var line = Encoding.UTF8.GetString(lines.Current.Span);
                if (lines.LineNumber == 1 && !line.StartsWith("#slow5_version\t", StringComparison.Ordinal))
                    throw new InvalidDataException("the first line is not #slow5_version");
                builder.Add(line);
            }
            catch (InvalidDataException e)
            {
                throw new SignalFormatException(Path, $"damaged header at line {lines.LineNumber}: {e.Message}", lines.Offset, inner: e);
            }
        }
        return builder.Build();
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => stream.DisposeAsync();
}
