using Dipper.Basecaller.Output;

namespace Dipper.Device.Service;

/// <summary>
/// What the appliance writes for each signal file: configuration section <c>Output</c> (appsettings.json, then
/// /etc/dipper/dipperd.json, then the command line, as <see cref="ServiceOptions"/>). Where it writes is
/// <c>Service:Output</c>.
/// </summary>
public sealed class OutputOptions
{
    /// <summary>Configuration section the options are bound from.</summary>
    public const string Section = "Output";

    /// <summary>
    /// fastq (gzip-compressed, the default), fasta, bam, sam or cram. BAM is what Dorado writes and what modkit and
    /// the signal-level tools read; it needs htslib (Debian package libhts3).
    /// </summary>
    public string Format { get; set; } = "fastq";

    /// <summary>
    /// Reads whose mean quality is below this go to the <c>*_fail</c> folder, the others to <c>*_pass</c>, as MinKNOW
    /// lays out a run (fastq_pass/fastq_fail, bam_pass/bam_fail); 0 keeps every read together, beside its signal file's place.
    /// </summary>
    public double MinQScore { get; set; }

    /// <summary>Add each read's move table (mv) to SAM/BAM/CRAM outputs.</summary>
    public bool EmitMoves { get; set; }

    /// <summary>Keep a sequencing_summary.txt in each run folder of the output, one line per read written.</summary>
    public bool SequencingSummary { get; set; } = true;

    /// <summary>The format named by <see cref="Format"/> (validated at start: <see cref="OutputOptionsValidator"/>).</summary>
    public OutputFormat ParsedFormat => OutputFormats.Parse(Format) ?? OutputFormat.Fastq;

    /// <summary>True when reads are split into pass and fail folders.</summary>
    public bool SplitsPassFail => MinQScore > 0;
}
