using Apache.Arrow;

namespace Dipper.Basecaller.Signal;

/// <summary>
/// The part of a POD5 run-info record a <see cref="Read"/> carries. Current files keep run info in
/// their own RunInfo table, keyed by acquisition id; files from POD5 0.0.16 and similar keep the same
/// fields in a dictionary column of the Reads table. Both are read through the same named columns.
/// </summary>
/// <remarks>
/// The chemistry fields: <c>flow_cell_product_code</c> and <c>sequencing_kit</c> are columns of their own
/// (MinKNOW also repeats them in the <c>tracking_id</c> and <c>context_tags</c> maps, which fill in when a
/// column is empty); the experiment type is only in <c>context_tags</c>; the protocol is <c>protocol_name</c>,
/// else <c>tracking_id</c>'s <c>exp_script_name</c>.
/// </remarks>
internal sealed record Pod5RunInfo(string AcquisitionId, double SampleRate, string? FlowCellId, string? SequencingKit, string? ExperimentName)
{
    /// <summary>Flow cell product code (e.g. FLO-MIN114), when recorded.</summary>
    public string? FlowCellProductCode { get; init; }

    /// <summary>context_tags' experiment_type (e.g. genomic_dna), when recorded.</summary>
    public string? ExperimentType { get; init; }

    /// <summary>The protocol script's name, which embeds the flow cell and kit codes.</summary>
    public string? SequencingProtocol { get; init; }

    /// <summary>
    /// When the run began: the acquisition_start_time column, else tracking_id's exp_start_time text; null when
    /// neither says (POD5 writers leave the Unix epoch in the column then).
    /// </summary>
    public DateTimeOffset? RunStartTime { get; init; }

    /// <summary>Reads row <paramref name="row"/> of a set of named columns (a RunInfo record batch, or the struct dictionary of early files).</summary>
    /// <exception cref="InvalidDataException">The acquisition id or sample rate is missing.</exception>
    public static Pod5RunInfo FromColumns(Func<string, IArrowArray?> column, int row)
    {
        var acquisitionId = Pod5Columns.Text(column("acquisition_id"), row)
            ?? throw new InvalidDataException("run info has no acquisition_id");
        var sampleRate = Pod5Columns.Integer(column("sample_rate"), row)
            ?? throw new InvalidDataException($"run info {acquisitionId} has no sample_rate");
        var context = column("context_tags");
        var tracking = column("tracking_id");
        return new Pod5RunInfo(acquisitionId, sampleRate,
            Pod5Columns.Text(column("flow_cell_id"), row),
            Pod5Columns.Text(column("sequencing_kit"), row) ?? Pod5Columns.MapText(context, row, "sequencing_kit"),
            Pod5Columns.Text(column("experiment_name"), row))
        {
            FlowCellProductCode = Pod5Columns.Text(column("flow_cell_product_code"), row)
                ?? Pod5Columns.MapText(tracking, row, "flow_cell_product_code"),
            ExperimentType = Pod5Columns.MapText(context, row, "experiment_type"),
            SequencingProtocol = Pod5Columns.Text(column("protocol_name"), row) ?? Pod5Columns.MapText(tracking, row, "exp_script_name"),
            RunStartTime = Signal.RunStartTime.Known(Pod5Columns.Time(column("acquisition_start_time"), row))
                ?? Signal.RunStartTime.Parse(Pod5Columns.MapText(tracking, row, "exp_start_time")),
        };
    }

    /// <summary>
    /// Loads a whole RunInfo table: one row per acquisition, so a handful of rows however many
    /// reads the file holds, and kept for the life of the reader.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, Pod5RunInfo>> LoadTableAsync(Pod5Table table, CancellationToken cancellationToken)
    {
        var runs = new Dictionary<string, Pod5RunInfo>(StringComparer.Ordinal);
        for (var index = 0; ; index++)
        {
            using var batch = await table.ReadBatchAsync(index, cancellationToken).ConfigureAwait(false);
            if (batch is null) break;
            for (var row = 0; row < batch.Length; row++)
            {
                var run = FromColumns(name => Pod5Columns.Column(batch, name), row);
                runs.TryAdd(run.AcquisitionId, run);
            }
        }
        return runs;
    }
}
