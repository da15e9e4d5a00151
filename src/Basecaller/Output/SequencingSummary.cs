using System.Globalization;
using System.Text;

namespace Dipper.Basecaller.Output;

/// <summary>
/// <c>sequencing_summary.txt</c>: one tab-separated line per called read with the columns Guppy and Dorado write
/// that Dipper can fill, read by run QC tools (pycoQC, NanoPlot, MinIONQC). Times are in seconds since the start
/// of the run (start_time) or of the read (template_start); Dipper calls the whole read, so the template is the read.
/// </summary>
public static class SequencingSummary
{
    /// <summary>The file's name in a run folder.</summary>
    public const string FileName = "sequencing_summary.txt";

    /// <summary>The column names, in order.</summary>
    public static IReadOnlyList<string> Columns { get; } =
    [
        "filename", "read_id", "run_id", "channel", "start_time", "duration", "num_samples", "passes_filtering",
        "template_start", "template_duration", "sequence_length_template", "mean_qscore_template", "basecall_model",
    ];

    /// <summary>The header line, with its newline.</summary>
    public static string HeaderLine { get; } = string.Join('\t', Columns) + "\n";

    /// <summary>Appends the line of <paramref name="read"/>, with its newline.</summary>
    /// <param name="line">Where to append.</param>
    /// <param name="read">The read.</param>
    /// <param name="passed">Whether it passed the quality filter (all reads do when there is none).</param>
    public static void AppendLine(StringBuilder line, CalledRead read, bool passed)
    {
        var inv = CultureInfo.InvariantCulture;
        var r = read.Read;
        line.Append(r.SourcePath is { Length: > 0 } source ? Path.GetFileName(source) : "").Append('\t')
            .Append(r.ReadId).Append('\t')
            .Append(r.RunId ?? "").Append('\t')
            .Append(r.Channel.ToString(inv)).Append('\t')
            .Append(r.StartTimeSeconds.ToString("0.######", inv)).Append('\t')
            .Append(read.DurationSeconds.ToString("0.######", inv)).Append('\t')
            .Append(r.SampleCount.ToString(inv)).Append('\t')
            .Append(passed ? "TRUE" : "FALSE").Append('\t')
            .Append('0').Append('\t')
            .Append(read.DurationSeconds.ToString("0.######", inv)).Append('\t')
            .Append(read.Sequence.Bases.Length.ToString(inv)).Append('\t')
            .Append(read.MeanQScore.ToString("0.######", inv)).Append('\t')
            .Append(read.Model).Append('\n');
    }
}
