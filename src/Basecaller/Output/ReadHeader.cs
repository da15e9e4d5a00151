using System.Globalization;
using System.Text;

namespace Dipper.Basecaller.Output;

/// <summary>
/// The description line of a called read, in the key=value style Guppy and Dorado use
/// (<c>READ_ID runid=… ch=… start_time=… model=…</c>), so downstream tools that parse those fields
/// (demultiplexers, run QC) work on Dipper's output. Only fields the signal file recorded are written.
/// </summary>
public static class ReadHeader
{
    /// <summary>Appends the header (without the leading '@' or '&gt;') for <paramref name="read"/>.</summary>
    /// <remarks>
    /// <c>start_time</c> is in seconds since the start of the run (start sample / sample rate): the
    /// signal files do not all record the run's wall-clock start, so an ISO-8601 time cannot be derived.
    /// </remarks>
    public static void Append(StringBuilder line, CalledRead read)
    {
        var inv = CultureInfo.InvariantCulture;
        var r = read.Read;
        line.Append(r.ReadId);
        if (!string.IsNullOrEmpty(r.RunId)) line.Append(" runid=").Append(r.RunId);
        if (r.Channel > 0) line.Append(" ch=").Append(r.Channel.ToString(inv));
        if (r.SampleRate > 0) line.Append(" start_time=").Append(r.StartTimeSeconds.ToString("0.####", inv));
        if (!string.IsNullOrEmpty(read.Model)) line.Append(" model=").Append(read.Model);
    }
}
