using Apache.Arrow;

namespace Dipper.Basecaller.Signal;

/// <summary>
/// The part of a POD5 run-info record a <see cref="Read"/> carries. Current files keep run info in
/// their own RunInfo table, keyed by acquisition id; files from POD5 0.0.16 and similar keep the same
/// fields in a dictionary column of the Reads table. Both are read through the same named columns.
/// </summary>
internal sealed record Pod5RunInfo(string AcquisitionId, double SampleRate, string? FlowCellId, string? SequencingKit, string? ExperimentName)
{
    /// <summary>Reads row <paramref name="row"/> of a set of named columns (a RunInfo record batch, or the struct dictionary of early files).</summary>
    /// <exception cref="InvalidDataException">The acquisition id or sample rate is missing.</exception>
    public static Pod5RunInfo FromColumns(Func<string, IArrowArray?> column, int row)
    {
        var acquisitionId = Pod5Columns.Text(column("acquisition_id"), row)
            ?? throw new InvalidDataException("run info has no acquisition_id");
        var sampleRate = Pod5Columns.Integer(column("sample_rate"), row)
            ?? throw new InvalidDataException($"run info {acquisitionId} has no sample_rate");
        return new Pod5RunInfo(acquisitionId, sampleRate,
            Pod5Columns.Text(column("flow_cell_id"), row),
            Pod5Columns.Text(column("sequencing_kit"), row),
            Pod5Columns.Text(column("experiment_name"), row));
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
