using System.Runtime.CompilerServices;

namespace Dipper.Basecaller.Signal;

/// <summary>
/// The stream PureHDF reads a FAST5 file through. It lets every read pass unchanged but (1) stops
/// an operation that reads far more than a healthy one could, (2) honours the caller's cancellation
/// inside PureHDF's synchronous parsing, and (3) remembers where the last read began, which is the
/// best byte offset we can give for damage PureHDF reports without one.
/// </summary>
/// <remarks>
/// Why a budget rather than a timeout: corrupt HDF5 can describe cycles (an object-header
/// continuation or a B-tree child pointing back at an ancestor) that a parser follows forever. Every
/// step of such a cycle reads from the file, so capping the bytes and the number of reads one
/// operation may make turns "hangs" into an error, deterministically and on the caller's own thread:
/// no watchdog thread is started, so none can be leaked. A healthy operation reads each byte of its
/// read group a few times at most; the budget is several times the whole file.
/// </remarks>
internal sealed class Fast5GuardedStream(Stream inner) : Stream
{
    private long _bytesLeft = long.MaxValue;
    private long _readsLeft = long.MaxValue;
    private CancellationToken _cancellation;

    /// <summary>
    /// The I/O error the underlying storage raised, if any. PureHDF may wrap or replace it; the reader
    /// looks here to tell a failing disk from a damaged file.
    /// </summary>
    public IOException? StorageFailure { get; private set; }

    /// <summary>Offset at which the most recent read started.</summary>
    public long LastReadOffset { get; private set; }

    /// <summary>Starts a new operation (opening the file, or one read group) with a fresh budget.</summary>
    public void StartOperation(long byteBudget, long readBudget, CancellationToken cancellation)
    {
        _bytesLeft = byteBudget;
        _readsLeft = readBudget;
        _cancellation = cancellation;
    }

    /// <inheritdoc />
    public override int Read(Span<byte> buffer)
    {
        _cancellation.ThrowIfCancellationRequested();
        CheckStack();
        LastReadOffset = inner.Position;
        if (--_readsLeft < 0 || (_bytesLeft -= buffer.Length) < 0)
            throw new InvalidDataException(
                $"HDF5 structure loops: reading went on far past what the file holds (last read at byte {LastReadOffset})");
        try
        {
            return inner.Read(buffer);
        }
        catch (IOException e)
        {
            StorageFailure = e;
            throw;
        }
    }

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <inheritdoc />
    public override int ReadByte()
    {
        Span<byte> one = stackalloc byte[1];
        return Read(one) == 1 ? one[0] : -1;
    }

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin)
    {
        CheckStack();
        return inner.Seek(offset, origin);
    }

    /// <summary>
    /// PureHDF walks B-trees recursively, so a node that lists itself (or an ancestor) as its child
    /// recurses until the process dies of stack overflow, which no catch can stop. Each level reads
    /// the file, so checking the remaining stack here turns that into an ordinary exception while
    /// there is still room to unwind.
    /// </summary>
    private static void CheckStack()
    {
        if (!RuntimeHelpers.TryEnsureSufficientExecutionStack())
            throw new InvalidDataException("HDF5 structure nests too deeply: a B-tree or header refers back to itself");
    }

    /// <inheritdoc />
    public override bool CanRead => true;

    /// <inheritdoc />
    public override bool CanSeek => true;

    /// <inheritdoc />
    public override bool CanWrite => false;

    /// <inheritdoc />
    public override long Length => inner.Length;

    /// <inheritdoc />
    public override long Position
    {
        get => inner.Position;
        set
        {
            CheckStack();
            inner.Position = value;
        }
    }

    /// <inheritdoc />
    public override void Flush() { }

    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}
