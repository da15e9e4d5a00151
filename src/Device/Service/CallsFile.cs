using System.IO.Compression;
using System.Text;
using Dipper.Basecaller.Output;

namespace Dipper.Device.Service;

/// <summary>
/// The FASTQ.gz of one signal file, made durable before it gets its name: written under
/// <c>NAME.partial</c>, flushed to disk (<c>fsync</c>), renamed over <c>NAME</c>, then the folder is flushed
/// so the rename itself survives a power cut. Whatever moment the process dies, <c>NAME</c> is either absent,
/// an older complete file, or this one complete; never half of it.
/// </summary>
public sealed class CallsFile : IDisposable
{
    private readonly FileStream _file;
    private readonly GZipStream _gzip;
    private readonly StreamWriter _writer;
    private readonly StringBuilder _record = new();
    private bool _closed;
    private long _bytesAtClose;

    /// <summary>Starts writing the calls that will be named <paramref name="path"/> (its folder is created if missing).</summary>
    public CallsFile(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        TemporaryPath = Path + OutputLayout.TemporarySuffix;
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        _file = new FileStream(TemporaryPath, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16);
        _gzip = new GZipStream(_file, CompressionLevel.Fastest, leaveOpen: true);
        _writer = new StreamWriter(_gzip, new UTF8Encoding(false), 1 << 15, leaveOpen: true) { NewLine = "\n" };
    }

    /// <summary>The final name.</summary>
    public string Path { get; }

    /// <summary>The name while being written.</summary>
    public string TemporaryPath { get; }

    /// <summary>Bytes of gzip written so far (some may still be buffered): at least what the file needs on disk.</summary>
    public long BytesWritten => _closed ? _bytesAtClose : _file.Position;

    /// <summary>True once <see cref="Commit"/> has renamed the file into place.</summary>
    public bool IsCommitted { get; private set; }

    /// <summary>Reads written so far.</summary>
    public int Reads { get; private set; }

    /// <summary>Appends one read as a FASTQ record, with the header fields of <see cref="ReadHeader"/>.</summary>
    public void Write(CalledRead read)
    {
        ObjectDisposedException.ThrowIf(_closed, this);
        _record.Clear().Append('@');
        ReadHeader.Append(_record, read);
        _record.Append('\n').Append(read.Sequence.Bases).Append("\n+\n").Append(read.Sequence.Qualities).Append('\n');
        _writer.Write(_record);
        Reads++;
    }

    /// <summary>Finishes the gzip stream, flushes it to disk, renames it to its final name and flushes the folder.</summary>
    /// <exception cref="IOException">Disk full or failing; the temporary file is removed and the final name untouched.</exception>
    public void Commit()
    {
        ObjectDisposedException.ThrowIf(_closed, this);
        try
        {
            _writer.Dispose();
            _gzip.Dispose();
            _bytesAtClose = _file.Position;
            _file.Flush(flushToDisk: true);
            _file.Dispose();
            _closed = true;
            File.Move(TemporaryPath, Path, overwrite: true);
        }
        catch
        {
            Dispose();
            throw;
        }
        DirectorySync.Flush(System.IO.Path.GetDirectoryName(Path)!);
        IsCommitted = true;
    }

    /// <summary>Abandons an uncommitted file: closes and deletes it.</summary>
    public void Dispose()
    {
        if (!_closed)
        {
            if (_file.CanSeek) _bytesAtClose = Math.Max(_bytesAtClose, _file.Position);
            _closed = true;
            try
            {
                _writer.Dispose();
                _gzip.Dispose();
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
        }
        try
        {
            if (File.Exists(TemporaryPath)) File.Delete(TemporaryPath);
        }
        catch (IOException)
        {
            // left behind: its name says it is unfinished, and the next start deletes it
        }
    }
}
