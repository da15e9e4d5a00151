using System.Text;
using Dipper.Basecaller.Decoding;
using Dipper.Basecaller.Native;

namespace Dipper.Basecaller.Output;

/// <summary>
/// Unaligned SAM, BAM or CRAM through htslib, as Dorado writes it: each read unmapped (flag 4) with its bases,
/// qualities and Dorado's tags (<see cref="HtsReadTags"/>), under a header with @PG and the read group of its run
/// and model (<see cref="HtsHeader"/>). As durable as the FASTQ writers: htslib writes <c>NAME.partial</c>, and
/// <see cref="Commit"/> closes it, flushes it to disk and renames it (<see cref="FileCommit"/>).
/// </summary>
/// <remarks>
/// The header is written when the first read arrives, because the run a file's reads come from is known only
/// then; it declares that read's run. Reads of another run in the same output (a <c>basecall</c> over several
/// runs) carry no <c>RG</c>, since a header cannot grow once reads follow it. The service writes one output per
/// signal file, which holds one run.
/// </remarks>
public sealed unsafe class HtsWriter : ICalledReadWriter
{
    private readonly HtsOutputOptions _options;
    private readonly HtsFileHandle _file;
    private readonly BamRecordHandle _record;
    private SamHeaderHandle? _header;
    private string? _readGroup;
    private string? _runId;
    private byte[] _buffer = new byte[1024];
    private bool _committed;
    private bool _disposed;

    /// <summary>Starts writing <paramref name="path"/> in <paramref name="format"/> (its folder is created if missing).</summary>
    /// <exception cref="HtsUnavailableException">htslib is not installed.</exception>
    /// <exception cref="IOException">The file could not be created.</exception>
    public HtsWriter(string path, OutputFormat format, HtsOutputOptions options)
    {
        if (!format.IsHts()) throw new ArgumentException($"{format} is not written through htslib", nameof(format));
        HtsNative.EnsureLoaded();
        Path = System.IO.Path.GetFullPath(path);
        TemporaryPath = Path + FileCommit.TemporarySuffix;
        _options = options;
        if (System.IO.Path.GetDirectoryName(Path) is { Length: > 0 } folder) Directory.CreateDirectory(folder);
        // htslib picks the format from the mode, not the name (the name ends in .partial).
        _file = HtsFileHandle.Open(TemporaryPath, format switch { OutputFormat.Bam => "wb", OutputFormat.Cram => "wc", _ => "w" });
        _record = BamRecordHandle.Create();
    }

    /// <inheritdoc />
    public string Path { get; }

    /// <summary>The name while being written.</summary>
    public string TemporaryPath { get; }

    /// <inheritdoc />
    public void Write(CalledRead read)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_header is null)
        {
            WriteHeader(read);
            _runId = read.Read.RunId;
        }
        var bases = read.Sequence.Bases;
        var qualities = read.Sequence.Qualities;
        var name = read.Read.ReadId;
        var needed = name.Length + 2 * bases.Length;
        if (_buffer.Length < needed) _buffer = new byte[Math.Max(needed, _buffer.Length * 2)];
        var nameLength = Encoding.ASCII.GetBytes(name, _buffer);
        Encoding.ASCII.GetBytes(bases, _buffer.AsSpan(nameLength));
        for (var i = 0; i < qualities.Length; i++) _buffer[nameLength + bases.Length + i] = (byte)(qualities[i] - PhredQuality.AsciiOffset);
        var tagBytes = 100 + (read.Moves?.Moves.Length ?? 0);
        fixed (byte* data = _buffer)
        {
            const ushort unmapped = 4;
            if (HtsNative.bam_set1(_record, (nuint)nameLength, data, unmapped, -1, -1, 0, 0, null, -1, -1, 0,
                    (nuint)bases.Length, bases.Length > 0 ? data + nameLength : null, bases.Length > 0 ? data + nameLength + bases.Length : null,
                    (nuint)tagBytes) < 0)
                throw new IOException($"{Path}: htslib refused read {name}");
        }
        var group = read.Read.RunId == _runId ? _readGroup : null;
        HtsReadTags.Append(_record, read, group, _options.EmitMoves);
        if (HtsNative.sam_write1(_file, _header!, _record) < 0)
            throw HtsFileHandle.Failure($"{Path}: writing read {name} failed");
    }

    /// <summary>Finishes the file (the header alone when there were no reads), flushes it to disk and gives it its final name.</summary>
    /// <exception cref="IOException">Disk full or failing; the temporary file is removed and the final name untouched.</exception>
    public void Commit()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        try
        {
            if (_header is null) WriteHeader(null);
            _file.Close(TemporaryPath);
            FileCommit.FlushToDisk(TemporaryPath);
            FileCommit.Rename(TemporaryPath, Path);
        }
        catch
        {
            Dispose();
            throw;
        }
        _committed = true;
        Dispose();
    }

    /// <summary>Closes the file; an uncommitted file is deleted.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _file.Dispose();
        _header?.Dispose();
        _record.Dispose();
        if (!_committed)
        {
            try { File.Delete(TemporaryPath); }
            catch (IOException) { /* leave it: its name says it is partial */ }
        }
    }

    private void WriteHeader(CalledRead? first)
    {
        _header = SamHeaderHandle.FromText(HtsHeader.Text(_options, first));
        if (first is not null) _readGroup = HtsHeader.ReadGroup(first.Read.RunId, first.Model);
        if (HtsNative.sam_hdr_write(_file, _header) < 0) throw HtsFileHandle.Failure($"{Path}: writing the header failed");
    }
}
