using System.Text;

namespace Dipper.Basecaller.Output;

/// <summary>
/// The header of Dipper's SAM/BAM/CRAM files, as Dorado writes it: @HD (unsorted), @PG naming the program and
/// command, and an @RG per run and model whose ID the reads' <c>RG</c> tag points at
/// (<c>RUNID_MODEL</c>, with the flow cell as PU, the sample as LB/SM and <c>basecall_model=… runid=…</c> as DS).
/// </summary>
public static class HtsHeader
{
    /// <summary>The read group of reads from run <paramref name="runId"/> called by <paramref name="model"/>: <c>RUNID_MODEL</c>.</summary>
    public static string ReadGroup(string? runId, string model) => $"{Clean(runId ?? "unknown")}_{Clean(model)}";

    /// <summary>The header text (tab-separated lines, each ending in a newline); the @RG only when <paramref name="first"/> is given.</summary>
    /// <param name="options">Program, version and command line for @PG.</param>
    /// <param name="first">A read whose run and model the @RG describes, or null for a file without reads.</param>
    public static string Text(HtsOutputOptions options, CalledRead? first)
    {
        var text = new StringBuilder("@HD\tVN:1.6\tSO:unknown\n");
        text.Append("@PG\tID:basecaller\tPN:").Append(Clean(options.Program)).Append("\tVN:").Append(Clean(options.Version));
        if (options.CommandLine is { Length: > 0 } command) text.Append("\tCL:").Append(Clean(command));
        text.Append('\n');
        if (first is not null)
        {
            var read = first.Read;
            text.Append("@RG\tID:").Append(ReadGroup(read.RunId, first.Model));
            if (!string.IsNullOrEmpty(read.FlowCellId)) text.Append("\tPU:").Append(Clean(read.FlowCellId));
            text.Append("\tPL:ONT\tDS:basecall_model=").Append(Clean(first.Model));
            if (!string.IsNullOrEmpty(read.RunId)) text.Append(" runid=").Append(Clean(read.RunId));
            if (!string.IsNullOrEmpty(read.ExperimentName)) text.Append("\tLB:").Append(Clean(read.ExperimentName)).Append("\tSM:").Append(Clean(read.ExperimentName));
            text.Append('\n');
        }
        return text.ToString();
    }

    // Header fields are tab-separated lines: a tab or newline in a value would break the line.
    private static string Clean(string value) => value.Replace('\t', ' ').Replace('\n', ' ').Replace('\r', ' ');
}
