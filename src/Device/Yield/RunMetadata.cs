using Dipper.Basecaller.Signal;

namespace Dipper.Device.Yield;

/// <summary>
/// What a read's signal file says of the run it came from, as the operator names it: the run id, the flow cell
/// and its product code, the kit and the experiment type. The product code and kit come from their own fields
/// or, in files too old to have them, from the protocol name (<see cref="SequencingChemistry"/>).
/// </summary>
/// <param name="RunId">The run (acquisition) id.</param>
/// <param name="FlowCellId">The flow cell's id (FAN12345).</param>
/// <param name="FlowCellProductCode">Its product code (FLO-MIN106).</param>
/// <param name="SequencingKit">The kit (SQK-LSK108).</param>
/// <param name="ExperimentType">genomic_dna, rna …</param>
public sealed record RunMetadata(string? RunId, string? FlowCellId, string? FlowCellProductCode, string? SequencingKit, string? ExperimentType)
{
    /// <summary>The metadata of <paramref name="read"/>'s run; blank fields are null.</summary>
    public static RunMetadata Of(Read read)
    {
        var chemistry = read.Chemistry;
        return new RunMetadata(Text(read.RunId), Text(read.FlowCellId), chemistry.FlowCellProductCode, chemistry.SequencingKit, Text(read.ExperimentType));
    }

    private static string? Text(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
