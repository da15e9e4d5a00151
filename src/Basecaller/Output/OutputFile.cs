using System.IO.Compression;
using System.Text;

namespace Dipper.Basecaller.Output;

/// <summary>
/// A text output that appears under its name only when complete: written to <c>NAME.partial</c>, then
/// renamed by <see cref="Commit"/>. A crash, a cancelled run or an engine failure leaves no file that
/// looks whole. Gzip-compressed when the name ends in <c>.gz</c>.
/// </summary>
public sealed class OutputFile : IDisposable
{
    private readonly FileStream _file;
    private readonly StreamWriter _writer;
    private bool _committed;
    private bool _disposed;

    /// <summary>Starts writing <paramref name="path"/> (its folder is created if missing).</summary>
    public OutputFile(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        TemporaryPath = Path + ".partial";
        if (System.IO.Path.GetDirectoryName(Path) is { Length: > 0 } folder) Directory.CreateDirectory(folder);
        _file = new FileStream(TemporaryPath, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16);
        Stream stream = Path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)
            ? new GZipStream(_file, CompressionLevel.Fastest)
            : _file;
        _writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16) { NewLine = "\n" };
    }

    /// <summary>The final name.</summary>
    public string Path { get; }

    /// <summary>The name the file has while it is being written.</summary>
    public string TemporaryPath { get; }

    /// <summary>Where to write the text.</summary>
    public TextWriter Writer => _writer;

    /// <summary>Flushes everything to disk and gives the file its final name, replacing any older file.</summary>
    public void Commit()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _writer.Flush();
        _writer.Dispose(); // closes the gzip stream (writing its trailer) and the file
        File.Move(TemporaryPath, Path, overwrite: true);
        _committed = true;
        _disposed = true;
    }

    /// <summary>Closes the file; an uncommitted file is deleted.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _writer.Dispose();
        if (!_committed)
        {
            try { File.Delete(TemporaryPath); }
            catch (IOException) { /* leave it: its name says it is partial */ }
        }
    }
}
