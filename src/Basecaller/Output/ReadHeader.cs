using System.Globalization;
using System.Text;

namespace Dipper.Basecaller.Output;

/// <summary>
/// The description line of a called read in FASTQ and FASTA, in the key=value style Guppy and Dorado write
/// (<c>READ_ID runid=… sampleid=… read=… ch=… start_time=… flow_cell_id=… model_version_id=…</c>), so
/// downstream tools that parse those fields (demultiplexers, run QC) work on Dipper's output. Only fields the
/// signal file recorded are written.
/// </summary>
public static class ReadHeader
{
    /// <summary>Appends the header (without the leading '@' or '&gt;') for <paramref name="read"/>.</summary>
    /// <remarks>
    /// <c>start_time</c> is in seconds since the start of the run (start sample / sample rate), as in the
    /// sequencing summary: the signal files do not all record the run's wall-clock start, so the ISO-8601 time
    /// Guppy writes cannot be derived.
    /// </remarks>
    public static void Append(StringBuilder line, CalledRead read)
    {
        var inv = CultureInfo.InvariantCulture;
        var r = read.Read;
        line.Append(r.ReadId);
        if (!string.IsNullOrEmpty(r.RunId)) line.Append(" runid=").Append(Word(r.RunId));
        if (!string.IsNullOrEmpty(r.ExperimentName)) line.Append(" sampleid=").Append(Word(r.ExperimentName));
        if (r.ReadNumber > 0) line.Append(" read=").Append(r.ReadNumber.ToString(inv));
        if (r.Channel > 0) line.Append(" ch=").Append(r.Channel.ToString(inv));
        if (r.SampleRate > 0) line.Append(" start_time=").Append(r.StartTimeSeconds.ToString("0.####", inv));
        if (!string.IsNullOrEmpty(r.FlowCellId)) line.Append(" flow_cell_id=").Append(Word(r.FlowCellId));
        if (!string.IsNullOrEmpty(read.Model)) line.Append(" model_version_id=").Append(Word(read.Model));
    }

    // A value with a space would read as two fields.
    private static string Word(string value) => value.Replace(' ', '_').Replace('\t', '_');
}
