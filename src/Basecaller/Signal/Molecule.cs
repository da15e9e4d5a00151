namespace Dipper.Basecaller.Signal;

/// <summary>What went through the pore: DNA (genomic, amplicon or cDNA) or native RNA, which moves slower and reads 3'→5'.</summary>
public enum Molecule
{
    /// <summary>The metadata does not say.</summary>
    Unknown,

    /// <summary>DNA, including cDNA.</summary>
    Dna,

    /// <summary>Native (direct) RNA.</summary>
    Rna,
}
