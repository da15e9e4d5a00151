namespace Dipper.Device.Yield;

/// <summary>The figures of one run folder, or of all, as <c>/status</c> gives them (the same a sequencing summary holds).</summary>
public sealed record RunYieldReport
{
    /// <summary>The run folder under the input folder (<c>exp1/sample1/20240101_1200_MN12345_FAN12345_abcdef12</c>), or "all" for the total.</summary>
    public required string Folder { get; init; }

    /// <summary>Reads committed.</summary>
    public long Reads { get; init; }

    /// <summary>Bases committed: the yield.</summary>
    public long Bases { get; init; }

    /// <summary>Half of the bases are in reads at least this long (exact, or within its histogram bin: see <see cref="ReadLengthHistogram"/>).</summary>
    public int ReadLengthN50 { get; init; }

    /// <summary>Reads and bases by read length, 1-2-5 series bins.</summary>
    public IReadOnlyList<LengthRange> ReadLengths { get; init; } = [];

    /// <summary>Reads by mean quality, one-Q bins.</summary>
    public IReadOnlyList<QualityRange> MeanQualities { get; init; } = [];

    /// <summary>The run ids its reads named.</summary>
    public IReadOnlyList<string> RunIds { get; init; } = [];

    /// <summary>The flow cell ids its reads named.</summary>
    public IReadOnlyList<string> FlowCellIds { get; init; } = [];

    /// <summary>The flow cell product codes its reads named.</summary>
    public IReadOnlyList<string> FlowCellProductCodes { get; init; } = [];

    /// <summary>The sequencing kits its reads named.</summary>
    public IReadOnlyList<string> SequencingKits { get; init; } = [];

    /// <summary>The experiment types its reads named.</summary>
    public IReadOnlyList<string> ExperimentTypes { get; init; } = [];
}
