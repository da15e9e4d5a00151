using Apache.Arrow;
using Apache.Arrow.Arrays;

namespace Dipper.Basecaller.Signal;

/// <summary>
/// The Signal table seen as one long list of rows (each a chunk of one read's samples), with only the
/// record batch holding the row being decoded in memory. Writers append a read's rows together, so
/// reads taken in Reads-table order walk the Signal batches forward and each batch is loaded once.
/// </summary>
/// <remarks>
/// Row numbers are global; the batch holding a row is found from the row counts of the batches seen
/// so far (one long per batch, kept for the life of the reader). A batch that cannot be read is
/// reported once and assumed to be as long as its neighbour (POD5 writers use one batch size); every
/// row is checked to carry the read id of the read asking for it, so a wrong guess shows up as a
/// reported damaged read, never as another read's signal.
/// </remarks>
internal sealed class Pod5SignalTable : IDisposable
{
    /// <summary>
    /// Real nanopore signal costs well over 2 bits per sample after VBZ (the pore's noise alone), so a
    /// row declaring more than this many samples per compressed byte has a damaged count, and is refused
    /// before a buffer that large is allocated.
    /// </summary>
    private const int MaxSamplesPerCompressedByte = 64;

    private readonly Pod5Table _table;
    private readonly string _path;
    private readonly Action<SignalFormatException> _reportDamage;
    private readonly Pod5Vbz _vbz = new();
    private readonly List<long> _batchStarts = [0];
    private readonly HashSet<int> _unreadableBatches = [];
    private bool _allBatchesSeen;
    private RecordBatch? _current;
    private int _currentIndex = -1;
    private FixedSizeBinaryArray? _readIds;
    private IArrowArray? _signal;
    private IArrowArray? _samples;

    /// <summary>Wraps the opened Signal table; unreadable batches are passed to <paramref name="reportDamage"/> once each.</summary>
    public Pod5SignalTable(Pod5Table table, string path, Action<SignalFormatException> reportDamage)
    {
        _table = table;
        _path = path;
        _reportDamage = reportDamage;
    }

    /// <summary>
    /// Decodes Signal-table row <paramref name="row"/>, which must belong to the read <paramref name="readId"/>,
    /// appending its samples to <paramref name="signal"/>.
    /// </summary>
    /// <exception cref="InvalidDataException">The row is missing, belongs to another read, or does not decode to its declared sample count.</exception>
    public async ValueTask AppendRowAsync(ulong row, ReadOnlyMemory<byte> readId, Pod5SignalBuffer signal, CancellationToken cancellationToken)
    {
        if (row >= long.MaxValue) throw new InvalidDataException($"signal row index {row} is impossible");
        var local = await LoadBatchHoldingAsync((long)row, cancellationToken).ConfigureAwait(false);
        DecodeRow(row, local, readId.Span, signal);
    }

    private void DecodeRow(ulong row, int local, ReadOnlySpan<byte> readId, Pod5SignalBuffer signal)
    {
        if (!_readIds!.GetBytes(local).SequenceEqual(readId))
            throw new InvalidDataException($"signal row {row} belongs to another read");
        var declared = Pod5Columns.Integer(_samples, local) ?? throw new InvalidDataException($"signal row {row} has no sample count");
        switch (_signal)
        {
            case LargeBinaryArray vbz:
                DecodeCompressed(row, vbz.GetBytes(local), declared, signal);
                break;
            case BinaryArray vbz:
                DecodeCompressed(row, vbz.GetBytes(local), declared, signal);
                break;
            case LargeListArray list when list.Values is Int16Array values:
                CopyUncompressed(row, values, list.ValueOffsets[local], list.ValueOffsets[local + 1], declared, signal);
                break;
            case ListArray list when list.Values is Int16Array values:
                CopyUncompressed(row, values, list.ValueOffsets[local], list.ValueOffsets[local + 1], declared, signal);
                break;
            default:
                throw new InvalidDataException($"signal column of type {_signal?.Data.DataType.Name} is neither VBZ nor int16 samples");
        }
    }

    private void DecodeCompressed(ulong row, ReadOnlySpan<byte> compressed, long declared, Pod5SignalBuffer signal)
    {
        if (declared > (long)compressed.Length * MaxSamplesPerCompressedByte + MaxSamplesPerCompressedByte)
            throw new InvalidDataException($"signal row {row} declares {declared} samples in {compressed.Length} compressed bytes");
        try
        {
            _vbz.Decode(compressed, signal.Append((int)declared));
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"signal row {row}: {e.Message}", e);
        }
    }

    private static void CopyUncompressed(ulong row, Int16Array values, long start, long end, long declared, Pod5SignalBuffer signal)
    {
        if (start < 0 || end < start || end > values.Length)
            throw new InvalidDataException($"signal row {row} spans samples {start}..{end} outside its {values.Length} values");
        if (end - start != declared)
            throw new InvalidDataException($"signal row {row} holds {end - start} samples but declares {declared}");
        values.Values.Slice((int)start, (int)declared).CopyTo(signal.Append((int)declared));
    }

    /// <summary>Makes the batch holding global row <paramref name="row"/> current and returns the row's index in it.</summary>
    private async ValueTask<int> LoadBatchHoldingAsync(long row, CancellationToken cancellationToken)
    {
        while (true)
        {
            var known = _batchStarts.Count - 1;
            if (row < _batchStarts[known])
            {
                var index = _batchStarts.BinarySearch(row);
                if (index < 0) index = ~index - 1;
                // Batches of zero rows share their start with the next one; take the last such.
                while (index + 1 < known && _batchStarts[index + 1] == row) index++;
                if (_unreadableBatches.Contains(index))
                    throw new InvalidDataException($"signal row {row} lies in Signal record batch {index}, which is unreadable");
                if (index != _currentIndex) await LoadAsync(index, cancellationToken).ConfigureAwait(false);
                return (int)(row - _batchStarts[index]);
            }
            if (_allBatchesSeen)
                throw new InvalidDataException($"signal row {row} is past the end of the Signal table ({_batchStarts[known]} rows)");
            await DiscoverNextBatchAsync(known, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads the first batch not yet seen to learn its row count (and keeps it current: its rows are usually wanted next).</summary>
    private async ValueTask DiscoverNextBatchAsync(int index, CancellationToken cancellationToken)
    {
        try
        {
            if (!await LoadAsync(index, cancellationToken).ConfigureAwait(false))
            {
                _allBatchesSeen = true;
                return;
            }
            _batchStarts.Add(_batchStarts[index] + _current!.Length);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _unreadableBatches.Add(index);
            _reportDamage(new SignalFormatException(_path,
                $"Signal record batch {index} unreadable, its reads are skipped ({e.Message})", _table.Location.Offset, inner: e));
            var assumed = index > 0 ? _batchStarts[index] - _batchStarts[index - 1] : await NextBatchLengthAsync(index, cancellationToken).ConfigureAwait(false);
            _batchStarts.Add(_batchStarts[index] + assumed);
        }
    }

    /// <summary>Row count of the batch after <paramref name="index"/>, or 0 when it cannot be read either.</summary>
    private async ValueTask<long> NextBatchLengthAsync(int index, CancellationToken cancellationToken)
    {
        try
        {
            using var next = await _table.ReadBatchAsync(index + 1, cancellationToken).ConfigureAwait(false);
            return next?.Length ?? 0;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return 0;
        }
    }

    /// <summary>Replaces the current batch with batch <paramref name="index"/>; false past the last batch.</summary>
    private async ValueTask<bool> LoadAsync(int index, CancellationToken cancellationToken)
    {
        ReleaseCurrent();
        var batch = await _table.ReadBatchAsync(index, cancellationToken).ConfigureAwait(false);
        if (batch is null) return false;
        try
        {
            _readIds = Pod5Columns.Column(batch, "read_id") as FixedSizeBinaryArray
                ?? throw new InvalidDataException("Signal table has no read_id column");
            _signal = Pod5Columns.Column(batch, "signal") ?? throw new InvalidDataException("Signal table has no signal column");
            _samples = Pod5Columns.Column(batch, "samples") ?? throw new InvalidDataException("Signal table has no samples column");
            if (_readIds.Length != batch.Length || _signal.Length != batch.Length || _samples.Length != batch.Length)
                throw new InvalidDataException("Signal table columns differ in length from their batch");
        }
        catch
        {
            batch.Dispose();
            throw;
        }
        _current = batch;
        _currentIndex = index;
        return true;
    }

    private void ReleaseCurrent()
    {
        _current?.Dispose();
        _current = null;
        _currentIndex = -1;
        _readIds = null;
        _signal = null;
        _samples = null;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        ReleaseCurrent();
        _vbz.Dispose();
    }
}
