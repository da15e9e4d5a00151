namespace Dipper.Basecaller.Output;

/// <summary>The formats Dipper writes called reads in.</summary>
public enum OutputFormat
{
    /// <summary>FASTQ: header, bases, qualities (gzip when the name ends in .gz).</summary>
    Fastq,

    /// <summary>FASTA: header and bases.</summary>
    Fasta,

    /// <summary>Unaligned SAM, as text, through htslib.</summary>
    Sam,

    /// <summary>Unaligned BAM, what Dorado writes by default, through htslib.</summary>
    Bam,

    /// <summary>Unaligned CRAM, through htslib (no reference is needed for unaligned reads).</summary>
    Cram,
}
