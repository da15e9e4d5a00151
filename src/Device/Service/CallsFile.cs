using Dipper.Basecaller.Output;

namespace Dipper.Device.Service;

/// <summary>
/// The outputs of one signal file, made durable before they get their names: each written under
/// <c>NAME.partial</c>, flushed to disk (<c>fsync</c>), renamed over <c>NAME</c>, then its folder flushed so the
/// rename survives a power cut (<see cref="FileCommit"/>). Whatever moment the process dies, <c>NAME</c> is either
/// absent, an older complete file, or this one complete; never half of it.
/// </summary>
/// <remarks>
/// With a quality filter the reads are split between two outputs: those of the passing reads (<see cref="Path"/>,
/// always written, even empty) and of the failing ones (<see cref="FailedPath"/>, opened with the first failing
/// read). The failing output is committed first and the passing one last, so the passing output under its name
/// says that both are complete: a crash between the two leaves the file to be called again, which overwrites both.
/// </remarks>
public sealed class CallsFile : IDisposable
{
    private readonly ICalledReadWriter _passed;
    private readonly OutputFormat _format;
    private readonly HtsOutputOptions _hts;
    private readonly double _minQScore;
    private ICalledReadWriter? _failed;
    private bool _closed;
    private long _bytesAtClose;

    /// <summary>Starts writing the calls that will be named <paramref name="path"/> (its folder is created if missing).</summary>
    /// <param name="path">The output (of the passing reads, with a filter).</param>
    /// <param name="format">Its format.</param>
    /// <param name="hts">Header and move-table settings for SAM/BAM/CRAM.</param>
    /// <param name="failedPath">The output of the reads below <paramref name="minQScore"/>, or null to keep every read in <paramref name="path"/>.</param>
    /// <param name="minQScore">The lowest mean quality of a passing read.</param>
    public CallsFile(string path, OutputFormat format = OutputFormat.Fastq, HtsOutputOptions? hts = null, string? failedPath = null, double minQScore = 0)
    {
        Path = System.IO.Path.GetFullPath(path);
        FailedPath = failedPath is null ? null : System.IO.Path.GetFullPath(failedPath);
        _format = format;
        _hts = hts ?? new HtsOutputOptions();
        _minQScore = minQScore;
        _passed = OutputFormats.Open(format, Path, _hts);
    }

    /// <summary>The final name (of the passing reads' output, with a filter).</summary>
    public string Path { get; }

    /// <summary>The final name of the failing reads' output, or null without a filter.</summary>
    public string? FailedPath { get; }

    /// <summary>The name while being written.</summary>
    public string TemporaryPath => Path + FileCommit.TemporarySuffix;

    /// <summary>Bytes written so far (some may still be buffered): at least what the outputs need on disk.</summary>
    public long BytesWritten => _closed ? _bytesAtClose : Size(TemporaryPath) + (FailedPath is { } failed ? Size(failed + FileCommit.TemporarySuffix) : 0);

    /// <summary>True once <see cref="Commit"/> has renamed the outputs into place.</summary>
    public bool IsCommitted { get; private set; }

    /// <summary>Reads written so far.</summary>
    public int Reads { get; private set; }

    /// <summary>True when <paramref name="read"/> passes the quality filter (every read does without one).</summary>
    public bool Passes(CalledRead read) => FailedPath is null || read.MeanQScore >= _minQScore;

    /// <summary>Appends one read to the output it belongs in.</summary>
    public void Write(CalledRead read)
    {
        ObjectDisposedException.ThrowIf(_closed, this);
        var writer = Passes(read) ? _passed : _failed ??= OutputFormats.Open(_format, FailedPath!, _hts);
        writer.Write(read);
        Reads++;
    }

    /// <summary>Finishes the outputs, flushes them to disk and renames them into place, the passing reads' last.</summary>
    /// <exception cref="IOException">Disk full or failing; the temporary files are removed and the final names untouched.</exception>
    public void Commit()
    {
        ObjectDisposedException.ThrowIf(_closed, this);
        _bytesAtClose = BytesWritten;
        try
        {
            if (_failed is not null) _failed.Commit();
            else if (FailedPath is { } stale && File.Exists(stale)) File.Delete(stale); // from an earlier version of the signal file
            _passed.Commit();
        }
        catch
        {
            Dispose();
            throw;
        }
        _closed = true;
        IsCommitted = true;
    }

    /// <summary>Abandons an uncommitted file: closes and deletes its outputs.</summary>
    public void Dispose()
    {
        if (!_closed) _bytesAtClose = Math.Max(_bytesAtClose, BytesWritten);
        _closed = true;
        _failed?.Dispose();
        _passed.Dispose();
    }

    private static long Size(string path)
    {
        try
        {
            return new FileInfo(path).Exists ? new FileInfo(path).Length : 0;
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
