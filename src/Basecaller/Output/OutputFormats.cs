namespace Dipper.Basecaller.Output;

/// <summary>
/// One place that knows each <see cref="OutputFormat"/>: which file names mean it, what its files are called and
/// which writer writes it. <c>dipperd basecall</c> picks the format from the output's name, <c>dipperd run</c> from
/// its configuration, and both open their writers here.
/// </summary>
public static class OutputFormats
{
    /// <summary>The format a file name asks for: .sam, .bam, .cram, .fasta/.fa (optionally .gz), else FASTQ.</summary>
    public static OutputFormat FromFileName(string path)
    {
        var name = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? path[..^3] : path;
        return Path.GetExtension(name).ToLowerInvariant() switch
        {
            ".sam" => OutputFormat.Sam,
            ".bam" => OutputFormat.Bam,
            ".cram" => OutputFormat.Cram,
            ".fasta" or ".fa" => OutputFormat.Fasta,
            _ => OutputFormat.Fastq,
        };
    }

    /// <summary>Parses a configured format name (fastq, fasta, sam, bam, cram; any case); null when it names none.</summary>
    public static OutputFormat? Parse(string? name) =>
        Enum.TryParse<OutputFormat>(name, ignoreCase: true, out var format) && Enum.IsDefined(format) && !int.TryParse(name, out _) ? format : null;

    /// <summary>True for the formats htslib writes (and that carry tags such as the move table).</summary>
    public static bool IsHts(this OutputFormat format) => format is OutputFormat.Sam or OutputFormat.Bam or OutputFormat.Cram;

    /// <summary>
    /// The extension of the service's outputs in <paramref name="format"/>: text formats gzip-compressed (<c>.fastq.gz</c>),
    /// BAM and CRAM as they are (compressed already).
    /// </summary>
    public static string ServiceExtension(this OutputFormat format) => format switch
    {
        OutputFormat.Fastq => ".fastq.gz",
        OutputFormat.Fasta => ".fasta.gz",
        OutputFormat.Sam => ".sam",
        OutputFormat.Bam => ".bam",
        OutputFormat.Cram => ".cram",
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, null),
    };

    /// <summary>MinKNOW's name for a folder of reads in <paramref name="format"/> that passed (or failed) the quality filter: fastq_pass, bam_fail…</summary>
    public static string PassFailFolder(this OutputFormat format, bool passed) =>
        $"{format.ToString().ToLowerInvariant()}_{(passed ? "pass" : "fail")}";

    /// <summary>Starts writing <paramref name="path"/> in <paramref name="format"/>; nothing appears under the name until committed.</summary>
    /// <exception cref="Native.HtsUnavailableException">A SAM/BAM/CRAM output and htslib is not installed.</exception>
    public static ICalledReadWriter Open(OutputFormat format, string path, HtsOutputOptions hts) => format switch
    {
        OutputFormat.Fastq => new FastqWriter(path),
        OutputFormat.Fasta => new FastaWriter(path),
        _ => new HtsWriter(path, format, hts),
    };
}
