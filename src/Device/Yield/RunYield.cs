namespace Dipper.Device.Yield;

/// <summary>
/// The figures of one run folder (or of all of them): reads, bases, read lengths and mean qualities in fixed
/// bins, and the distinct run ids, flow cells, kits and experiment types its reads named (at most
/// <see cref="MaxValues"/> of each). Bounded whatever the number of reads. Not thread-safe: <see cref="RunYields"/> locks.
/// </summary>
public sealed class RunYield
{
    /// <summary>Distinct values kept per metadata field; a run folder holds one run, so more is a mix-up worth showing, not listing.</summary>
    public const int MaxValues = 8;

    private readonly ReadLengthHistogram _lengths = new();
    private readonly MeanQualityHistogram _qualities = new();
    private readonly SortedSet<string> _runIds = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _flowCellIds = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _flowCellProductCodes = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _kits = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _experimentTypes = new(StringComparer.Ordinal);

    /// <summary>Adds one committed read.</summary>
    public void Add(ReadFigures read)
    {
        _lengths.Add(read.Bases);
        _qualities.Add(read.MeanQuality);
    }

    /// <summary>Notes the run metadata of committed reads.</summary>
    public void Note(RunMetadata metadata)
    {
        Keep(_runIds, metadata.RunId);
        Keep(_flowCellIds, metadata.FlowCellId);
        Keep(_flowCellProductCodes, metadata.FlowCellProductCode);
        Keep(_kits, metadata.SequencingKit);
        Keep(_experimentTypes, metadata.ExperimentType);
    }

    /// <summary>The figures now, under the name <paramref name="folder"/>.</summary>
    public RunYieldReport Report(string folder) => new()
    {
        Folder = folder,
        Reads = _lengths.Reads,
        Bases = _lengths.Bases,
        ReadLengthN50 = _lengths.N50(),
        ReadLengths = _lengths.Ranges(),
        MeanQualities = _qualities.Ranges(),
        RunIds = [.. _runIds],
        FlowCellIds = [.. _flowCellIds],
        FlowCellProductCodes = [.. _flowCellProductCodes],
        SequencingKits = [.. _kits],
        ExperimentTypes = [.. _experimentTypes],
    };

    private static void Keep(SortedSet<string> values, string? value)
    {
        if (value is not null && values.Count < MaxValues) values.Add(value);
    }
}
