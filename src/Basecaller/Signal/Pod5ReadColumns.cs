using Apache.Arrow;
using Apache.Arrow.Arrays;
using Apache.Arrow.Types;

namespace Dipper.Basecaller.Signal;

/// <summary>
/// The columns of one Reads-table record batch, bound once per batch so each read is a few array
/// lookups. Hides how the schema moved between versions: POD5 0.0.16 kept channel, calibration and
/// run info in dictionary columns of structs (<c>pore</c>, <c>calibration</c>, <c>run_info</c>) and had
/// no <c>num_samples</c>; later versions flattened them (<c>channel</c>, <c>calibration_offset</c>,
/// <c>calibration_scale</c>) and moved run info to its own table keyed by acquisition id.
/// </summary>
internal sealed class Pod5ReadColumns
{
    private readonly FixedSizeBinaryArray _readIds;
    private readonly IArrowArray _signalRows;
    private readonly IArrowArray? _channel;
    private readonly DictionaryArray? _pore;
    private readonly IArrowArray? _readNumber;
    private readonly IArrowArray? _start;
    private readonly IArrowArray? _numSamples;
    private readonly IArrowArray? _calibrationOffset;
    private readonly IArrowArray? _calibrationScale;
    private readonly DictionaryArray? _calibration;
    private readonly DictionaryArray _runInfo;
    private readonly IReadOnlyDictionary<string, Pod5RunInfo> _runInfoTable;

    /// <summary>Binds the columns of <paramref name="batch"/>.</summary>
    /// <exception cref="InvalidDataException">A column every read needs is missing or of the wrong type.</exception>
    public Pod5ReadColumns(RecordBatch batch, IReadOnlyDictionary<string, Pod5RunInfo> runInfoTable)
    {
        Count = batch.Length;
        _runInfoTable = runInfoTable;
        _readIds = Pod5Columns.Column(batch, "read_id") as FixedSizeBinaryArray
            ?? throw new InvalidDataException("Reads table has no read_id column of UUIDs");
        if (((FixedSizeBinaryType)_readIds.Data.DataType).ByteWidth != 16) throw new InvalidDataException("read_id column is not 16-byte UUIDs");
        var signalRows = Pod5Columns.Column(batch, "signal");
        _signalRows = signalRows is ListArray or LargeListArray
            ? signalRows : throw new InvalidDataException("Reads table has no signal column of row lists");
        _channel = Pod5Columns.Column(batch, "channel");
        _pore = Pod5Columns.Column(batch, "pore") as DictionaryArray;
        _readNumber = Pod5Columns.Column(batch, "read_number");
        _start = Pod5Columns.Column(batch, "start");
        _numSamples = Pod5Columns.Column(batch, "num_samples");
        _calibrationOffset = Pod5Columns.Column(batch, "calibration_offset");
        _calibrationScale = Pod5Columns.Column(batch, "calibration_scale");
        _calibration = Pod5Columns.Column(batch, "calibration") as DictionaryArray;
        if ((_calibrationOffset is null || _calibrationScale is null) && _calibration is null)
            throw new InvalidDataException("Reads table has no calibration columns");
        _runInfo = Pod5Columns.Column(batch, "run_info") as DictionaryArray
            ?? throw new InvalidDataException("Reads table has no run_info column");
    }

    /// <summary>Reads in the batch.</summary>
    public int Count { get; }

    /// <summary>The read's UUID as stored (big-endian bytes), which Signal-table rows repeat.</summary>
    public ReadOnlySpan<byte> ReadIdBytes(int row) =>
        row < _readIds.Length ? _readIds.GetBytes(row) : throw new InvalidDataException($"read_id column shorter than the batch ({_readIds.Length} rows)");

    /// <summary>The read's UUID in the lower-case hyphenated form every downstream tool uses.</summary>
    public string ReadId(int row) => new Guid(ReadIdBytes(row), bigEndian: true).ToString("D");

    /// <summary>Copies the Signal-table row indices holding the read's signal, in order.</summary>
    public void SignalRows(int row, List<ulong> rows)
    {
        rows.Clear();
        var (values, start, end) = _signalRows switch
        {
            ListArray list => (list.Values, (long)list.ValueOffsets[row], (long)list.ValueOffsets[row + 1]),
            LargeListArray list => (list.Values, list.ValueOffsets[row], list.ValueOffsets[row + 1]),
            _ => throw new InvalidDataException("signal column is not a list"),
        };
        if (values is not UInt64Array indices) throw new InvalidDataException("signal column does not list uint64 row indices");
        if (start < 0 || end < start || end > indices.Length)
            throw new InvalidDataException($"signal row list {start}..{end} outside its {indices.Length} values");
        var span = indices.Values;
        for (var i = start; i < end; i++) rows.Add(span[(int)i]);
        // Rows carry the read's id, so a damaged index that points at another read is caught there;
        // one that points at another row of the same read is caught only here.
        if (rows.Count > 1 && rows.Distinct().Count() != rows.Count) throw new InvalidDataException("signal row list names a row twice");
    }

    /// <summary>Channel number, from the flat column or (early files) the pore dictionary; 0 when absent.</summary>
    public int Channel(int row)
    {
        if (_channel is not null) return (int)(Pod5Columns.Integer(_channel, row) ?? 0);
        if (_pore is null) return 0;
        var (values, index) = Pod5Columns.Dictionary(_pore, row);
        return values is StructArray pore ? (int)(Pod5Columns.Integer(Pod5Columns.Field(pore, "channel"), index) ?? 0) : 0;
    }

    /// <summary>Read number within the channel; 0 when absent.</summary>
    public long ReadNumber(int row) => Pod5Columns.Integer(_readNumber, row) ?? 0;

    /// <summary>Sample index at which the read started; 0 when absent.</summary>
    public ulong StartSample(int row) => Pod5Columns.Unsigned(_start, row) ?? 0;

    /// <summary>Sample count the file declares for the whole read; null in early files, where only the rows declare counts.</summary>
    public ulong? DeclaredSampleCount(int row) => Pod5Columns.Unsigned(_numSamples, row);

    /// <summary>The read's calibration; POD5 stores offset and scale (pA per ADC count) directly.</summary>
    /// <exception cref="InvalidDataException">The calibration is null.</exception>
    public SignalCalibration Calibration(int row)
    {
        double? offset, scale;
        if (_calibrationOffset is not null && _calibrationScale is not null)
        {
            offset = Pod5Columns.Real(_calibrationOffset, row);
            scale = Pod5Columns.Real(_calibrationScale, row);
        }
        else
        {
            var (values, index) = Pod5Columns.Dictionary(_calibration!, row);
            var calibration = values as StructArray ?? throw new InvalidDataException("calibration dictionary is not offset/scale pairs");
            offset = Pod5Columns.Real(Pod5Columns.Field(calibration, "offset"), index);
            scale = Pod5Columns.Real(Pod5Columns.Field(calibration, "scale"), index);
        }
        if (offset is null || scale is null) throw new InvalidDataException("calibration offset or scale is null");
        return new SignalCalibration(offset.Value, scale.Value);
    }

    /// <summary>The run the read belongs to: looked up by acquisition id, or (early files) read from the dictionary itself.</summary>
    /// <exception cref="InvalidDataException">The run is not in the RunInfo table or its record is incomplete.</exception>
    public Pod5RunInfo RunInfo(int row)
    {
        var (values, index) = Pod5Columns.Dictionary(_runInfo, row);
        if (values is StructArray run) return Pod5RunInfo.FromColumns(name => Pod5Columns.Field(run, name), index);
        var acquisitionId = Pod5Columns.Text(values, index) ?? throw new InvalidDataException("run_info is empty");
        return _runInfoTable.TryGetValue(acquisitionId, out var info)
            ? info
            : throw new InvalidDataException($"run {acquisitionId} is not in the RunInfo table");
    }
}
