using System.Runtime.CompilerServices;
using PureHDF;

namespace Dipper.Basecaller.Signal;

/// <summary>
/// Reads FAST5 files (HDF5), single-read and multi-read, with deflate or VBZ compressed signal,
/// through PureHDF (pure .NET, so it runs unchanged on the ARM appliance).
/// </summary>
/// <remarks>
/// <para>Memory: one read group at a time. Besides the read being yielded, the reader holds that
/// read's signal while it decodes (2 bytes per sample), one compressed chunk and its decoded copy
/// inside PureHDF's filter pipeline, and the group's attributes; PureHDF's per-dataset chunk cache
/// is dropped with the dataset after each read. Nothing grows with the number of reads in the file.</para>
/// <para>Damage: the HDF5 superblock is checked first (a file shorter than its superblock says is
/// truncated or still being written, reported with the file's actual length as offset). A read group
/// that cannot be read, decompressed or validated is skipped and reported with its read id; the
/// groups after it are still read. If the file's root cannot be read at all, or the list of read
/// groups breaks off, nothing further can be found and the enumeration ends with the damage seen.
/// Every PureHDF exception (it throws many types on corrupt input) becomes a
/// <see cref="SignalFormatException"/>; the offset given is where PureHDF last read before failing.</para>
/// <para>Hangs and crashes: PureHDF follows corrupt HDF5 structures that loop (for ever) or refer
/// back to themselves (recursing until the process dies of stack overflow). It reads through
/// <see cref="Fast5GuardedStream"/>, which ends any operation that reads several times more than the
/// file holds and stops recursion while the stack can still unwind, so both end in an ordinary error
/// on the caller's own thread; no watchdog thread exists that could be leaked.</para>
/// </remarks>
public sealed class Fast5Reader : ISignalReader
{
    /// <summary>Each operation may read this many times the file's size (plus a fixed allowance) before it counts as looping.</summary>
    private const long ByteBudgetPerFileLength = 4;
    private const long ByteBudgetAllowance = 16 << 20;

    /// <summary>Read calls one operation may make; a healthy read group needs a few thousand at most.</summary>
    private const long ReadCallBudget = 1_000_000;

    private readonly Fast5GuardedStream _stream;
    private int _enumerated;
    private bool _disposed;

    /// <summary>Opens a FAST5 file; the file is shared with writers so a run in progress is never blocked.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public Fast5Reader(string path)
        : this(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16), path)
    {
    }

    /// <summary>
    /// Reads FAST5 content from a seekable stream (e.g. a file held in memory); the reader owns the
    /// stream and disposes it. <paramref name="displayPath"/> names the content in errors and in
    /// <see cref="Read.SourcePath"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The stream cannot seek: HDF5 is addressed by offset.</exception>
    public Fast5Reader(Stream stream, string displayPath)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(displayPath);
        if (!stream.CanSeek || !stream.CanRead)
            throw new ArgumentException("FAST5 (HDF5) needs a readable, seekable stream", nameof(stream));
        _stream = new Fast5GuardedStream(stream);
        Path = displayPath;
    }

    /// <inheritdoc />
    public string Path { get; }

    /// <inheritdoc />
    public SignalFormat Format => SignalFormat.Fast5;

    /// <inheritdoc />
    public async IAsyncEnumerable<Read> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Interlocked.Exchange(ref _enumerated, 1) != 0)
            throw new InvalidOperationException("A FAST5 reader can be enumerated once.");
        VbzFilter.EnsureRegistered();

        var damage = new List<SignalFormatException>();
        var fileLength = _stream.Length;
        CheckSuperblock(fileLength, damage);

        PureHDF.VOL.Native.NativeFile? file = null;
        Fast5Layout layout;
        IEnumerator<IH5Object> groups;
        try
        {
            StartOperation(fileLength, cancellationToken);
            _stream.Position = 0; // PureHDF looks for the superblock from the current position
            file = H5File.Open(_stream, leaveOpen: true);
            layout = Fast5Layout.Detect(file);
            groups = layout.ReadGroups().GetEnumerator();
        }
        catch (Exception e) when (IsContentProblem(e, cancellationToken))
        {
            file?.Dispose();
            damage.Add(Damage("the HDF5 root cannot be read", e));
            throw SignalFormatException.Combine(damage)!;
        }

        using (file)
        using (groups)
        {
            var groupsSeen = 0;
            string? previous = null;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                StartOperation(fileLength, cancellationToken);
                IH5Object entry;
                try
                {
                    if (!groups.MoveNext()) break;
                    entry = groups.Current;
                }
                catch (Exception e) when (IsContentProblem(e, cancellationToken))
                {
                    var after = previous is null ? "" : $" after {previous}";
                    damage.Add(Damage($"the list of read groups is damaged{after}; later reads cannot be found", e));
                    break;
                }
                groupsSeen++;
                previous = entry.Name;

                var read = DecodeGroup(layout, entry, fileLength, damage, cancellationToken);
                if (read is not null) yield return read;
            }
            if (groupsSeen == 0 && damage.Count == 0)
                damage.Add(new SignalFormatException(Path, $"holds no read groups: {layout.ReadGroupsPlace} is empty", 0));
        }

        if (SignalFormatException.Combine(damage) is { } problem) throw problem;
    }

    private Read? DecodeGroup(Fast5Layout layout, IH5Object entry, long fileLength,
        List<SignalFormatException> damage, CancellationToken cancellationToken)
    {
        var readId = layout.IdFromName(entry.Name);
        try
        {
            if (entry is IH5UnresolvedLink unresolved)
                throw new InvalidDataException($"read group {entry.Name} cannot be opened", unresolved.Reason);
            if (entry is not IH5Group group)
                throw new InvalidDataException($"{entry.Name} is not a group");
            return Fast5ReadGroup.Decode(layout, group, fileLength, Path);
        }
        catch (Exception e) when (IsContentProblem(e, cancellationToken))
        {
            var offset = _stream.LastReadOffset;
            readId ??= ReadIdAttributeIfReadable(entry, fileLength, cancellationToken);
            damage.Add(Damage($"read group {entry.Name} is damaged and was skipped", e, readId, offset));
            return null;
        }
    }

    /// <summary>
    /// For a damaged single-read group, whose name carries no id: the read_id attribute, when that
    /// part of the group is still readable, so the damage report can name the read.
    /// </summary>
    private string? ReadIdAttributeIfReadable(IH5Object entry, long fileLength, CancellationToken cancellationToken)
    {
        try
        {
            StartOperation(fileLength, cancellationToken);
            return Fast5Attributes.Of(entry).Text("read_id") is { } text && Guid.TryParseExact(text, "D", out var id)
                ? id.ToString("D")
                : null;
        }
        catch (Exception e) when (IsContentProblem(e, cancellationToken))
        {
            return null;
        }
    }

    private void CheckSuperblock(long fileLength, List<SignalFormatException> damage)
    {
        var superblock = Fast5Superblock.Read(_stream, Path);
        if (superblock.EndOfFile > fileLength)
            damage.Add(new SignalFormatException(Path,
                $"truncated or still being written: the file has {fileLength} bytes but its HDF5 superblock says it has {superblock.EndOfFile}",
                fileLength));
        if (superblock.OpenForWriting)
            damage.Add(new SignalFormatException(Path,
                "still being written: its HDF5 superblock says a writer has it open", superblock.Offset));
    }

    private void StartOperation(long fileLength, CancellationToken cancellationToken) =>
        _stream.StartOperation(fileLength * ByteBudgetPerFileLength + ByteBudgetAllowance, ReadCallBudget, cancellationToken);

    /// <summary>
    /// True for anything the file's content can cause. Cancellation is the caller's, and an I/O
    /// error from the storage itself (a failing disk, a vanished network share) is not the file's
    /// fault: both propagate as they are.
    /// </summary>
    private bool IsContentProblem(Exception e, CancellationToken cancellationToken) =>
        !(e is OperationCanceledException && cancellationToken.IsCancellationRequested) && _stream.StorageFailure is null;

    private SignalFormatException Damage(string problem, Exception cause, string? readId = null, long? offset = null)
    {
        var detail = cause.Message;
        for (var inner = cause.InnerException; inner is not null; inner = inner.InnerException)
            detail += $" ({inner.Message})";
        return new SignalFormatException(Path, $"{problem}: {detail}", offset ?? _stream.LastReadOffset, readId, cause);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _disposed = true;
        _stream.Dispose();
        return ValueTask.CompletedTask;
    }
}
