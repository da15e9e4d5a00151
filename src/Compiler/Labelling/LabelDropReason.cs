namespace Dipper.Compiler.Labelling;

/// <summary>Why a chunk of signal got no training label. Each dropped chunk is counted under one reason, the first that applies.</summary>
public enum LabelDropReason
{
    /// <summary>The read's calls do not map to the reference (or the read had no bases).</summary>
    UnmappedRead,

    /// <summary>The read's primary alignment has a lower identity than asked for: its calls are too wrong to trust its path.</summary>
    LowIdentity,

    /// <summary>Fewer called bases in the chunk than asked for: mostly stalls, open pore or adapter.</summary>
    TooFewBases,

    /// <summary>Some of the chunk's bases lie outside the read's aligned part (clipped ends), so the reference cannot cover them.</summary>
    OutsideAlignment,

    /// <summary>The reference span holds a base other than A, C, G or T.</summary>
    AmbiguousReference,

    /// <summary>The reference span is much longer or shorter than the chunk's calls: a local misalignment.</summary>
    LengthRatio,
}
