namespace Dipper.Basecaller.Signal;

/// <summary>
/// Run-level facts a SLOW5/BLOW5 header records for one read group (one acquisition, usually one
/// source file merged in). Each read names its group, so reads merged from several runs keep their
/// own run id and flow cell.
/// </summary>
internal sealed record Slow5ReadGroup(string? RunId, string? FlowCellId, string? SequencingKit, string? ExperimentName)
{
    /// <summary><c>@flow_cell_product_code</c> (e.g. FLO-MIN114).</summary>
    public string? FlowCellProductCode { get; init; }

    /// <summary><c>@experiment_type</c> (else <c>@experiment_kit</c>, as 2016 runs named it), e.g. genomic_dna.</summary>
    public string? ExperimentType { get; init; }

    /// <summary><c>@exp_script_name</c> (else <c>@protocol_name</c>), which embeds the flow cell and kit codes.</summary>
    public string? SequencingProtocol { get; init; }

    /// <summary><c>@exp_start_time</c>: when the run began (<see cref="Signal.RunStartTime.Parse"/>).</summary>
    public DateTimeOffset? RunStartTime { get; init; }

    /// <summary>
    /// Picks the attributes Dipper reports from a group's <c>@name</c> values: <c>run_id</c> (else
    /// <c>acquisition_id</c>), <c>flow_cell_id</c>, <c>sequencing_kit</c>, <c>experiment_name</c>
    /// (else <c>sample_id</c>), the chemistry fields and the run start above. SLOW5 writes "." for a value a group does not have.
    /// </summary>
    public static Slow5ReadGroup FromAttributes(IReadOnlyDictionary<string, string> attributes)
    {
        string? Value(string name) =>
            attributes.TryGetValue(name, out var value) && value.Length > 0 && value != "." ? value : null;
        return new Slow5ReadGroup(
            Value("run_id") ?? Value("acquisition_id"),
            Value("flow_cell_id"),
            Value("sequencing_kit"),
            Value("experiment_name") ?? Value("sample_id"))
        {
            FlowCellProductCode = Value("flow_cell_product_code"),
            ExperimentType = Value("experiment_type") ?? Value("experiment_kit"),
            SequencingProtocol = Value("exp_script_name") ?? Value("protocol_name"),
            RunStartTime = Signal.RunStartTime.Parse(Value("exp_start_time")),
        };
    }
}
