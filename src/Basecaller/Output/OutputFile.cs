using System.IO.Compression;
using System.Text;

namespace Dipper.Basecaller.Output;

/// <summary>
/// A text output that appears under its name only when complete: written to <c>NAME.partial</c>, then
/// renamed by <see cref="Commit"/>. A crash, a cancelled run or an engine failure leaves no file that
/// looks whole, and a power cut just after the commit leaves the whole file: its data is flushed to disk
/// (<c>fsync</c>) before the rename, and the folder after it. Gzip-compressed when the name ends in <c>.gz</c>.
/// </summary>
public sealed class OutputFile : IDisposable
{
    private readonly FileStream _file;
    private readonly GZipStream? _gzip;
    private readonly StreamWriter _writer;
    private bool _committed;
    private bool _disposed;
    private long _bytesAtClose;

    /// <summary>Starts writing <paramref name="path"/> (its folder is created if missing).</summary>
    public OutputFile(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        TemporaryPath = Path + FileCommit.TemporarySuffix;
        if (System.IO.Path.GetDirectoryName(Path) is { Length: > 0 } folder) Directory.CreateDirectory(folder);
        _file = new FileStream(TemporaryPath, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16);
        // Both left open: the file must outlive them, to be flushed to disk after the gzip trailer.
        _gzip = Path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(_file, CompressionLevel.Fastest, leaveOpen: true) : null;
        _writer = new StreamWriter((Stream?)_gzip ?? _file, new UTF8Encoding(false), 1 << 16, leaveOpen: true) { NewLine = "\n" };
    }

    /// <summary>The final name.</summary>
    public string Path { get; }

    /// <summary>The name the file has while it is being written.</summary>
    public string TemporaryPath { get; }

    /// <summary>Where to write the text.</summary>
    public TextWriter Writer => _writer;

    /// <summary>
    /// Flushes everything to disk (<c>fsync</c>), gives the file its final name, replacing any older file, and
    /// flushes the folder so the new name survives a power cut too.
    /// </summary>
    /// <exception cref="IOException">Disk full or failing; the temporary file is removed and the final name untouched.</exception>
    public void Commit()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        try
        {
            _writer.Dispose();
            _gzip?.Dispose(); // writes the gzip trailer
            _bytesAtClose = _file.Position;
            _file.Flush(flushToDisk: true);
            _file.Dispose();
            FileCommit.Rename(TemporaryPath, Path);
        }
        catch
        {
            Dispose();
            throw;
        }
        _committed = true;
        _disposed = true;
    }

    /// <summary>Bytes written to the file so far (compressed, for gzip; some may still be buffered).</summary>
    public long BytesWritten => _disposed ? _bytesAtClose : _file.Position;

    /// <summary>Closes the file; an uncommitted file is deleted.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        if (_file.CanSeek) _bytesAtClose = Math.Max(_bytesAtClose, _file.Position);
        _disposed = true;
        try
        {
            _writer.Dispose();
            _gzip?.Dispose();
        }
        catch (IOException)
        {
            // the disk failed while closing: the file is deleted below anyway
        }
        try
        {
            _file.Dispose(); // flushes what is buffered, which fails on a full disk
        }
        catch (IOException)
        {
            // as above
        }
        if (!_committed)
        {
            try { File.Delete(TemporaryPath); }
            catch (IOException) { /* leave it: its name says it is partial */ }
        }
    }
}
