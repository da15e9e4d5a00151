namespace Dipper.Basecaller.Signal;

/// <summary>
/// Run-level facts a SLOW5/BLOW5 header records for one read group (one acquisition, usually one
/// source file merged in). Each read names its group, so reads merged from several runs keep their
/// own run id and flow cell.
/// </summary>
internal sealed record Slow5ReadGroup(string? RunId, string? FlowCellId, string? SequencingKit, string? ExperimentName)
{
    /// <summary>
    /// Picks the attributes Dipper reports from a group's <c>@name</c> values: <c>run_id</c> (else
    /// <c>acquisition_id</c>), <c>flow_cell_id</c>, <c>sequencing_kit</c>, <c>experiment_name</c>
    /// (else <c>sample_id</c>). SLOW5 writes "." for a value a group does not have.
    /// </summary>
    public static Slow5ReadGroup FromAttributes(IReadOnlyDictionary<string, string> attributes)
    {
        string? Value(string name) =>
            attributes.TryGetValue(name, out var value) && value.Length > 0 && value != "." ? value : null;
        return new Slow5ReadGroup(
            Value("run_id") ?? Value("acquisition_id"),
            Value("flow_cell_id"),
            Value("sequencing_kit"),
            Value("experiment_name") ?? Value("sample_id"));
    }
}
