namespace Dipper.Basecaller.Signal;

/// <summary>
/// Streams the reads of one signal file. Implementations hold at most one storage unit
/// (POD5 record batch, FAST5 read group, BLOW5 record) in memory besides the read being yielded,
/// so files far larger than memory can be read.
/// </summary>
/// <remarks>
/// Contract shared by every format: reads are yielded in file order; where the format has
/// independent units, a damaged unit is skipped and reading goes on; when enumeration ends and
/// any damage was seen, the enumerator throws one <see cref="SignalFormatException"/> listing it
/// all. Normal completion therefore means the file was read whole. No other exception type
/// escapes for bad content (I/O errors from the operating system excepted).
/// </remarks>
public interface ISignalReader : IAsyncDisposable
{
    /// <summary>The file being read.</summary>
    string Path { get; }

    /// <summary>The file's format, as detected from its content.</summary>
    SignalFormat Format { get; }

    /// <summary>The reads, in file order. May be enumerated once.</summary>
    IAsyncEnumerable<Read> ReadAllAsync(CancellationToken cancellationToken = default);
}
