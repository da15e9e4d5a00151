namespace Dipper.Compiler.Labelling;

/// <summary>Which chunks are trusted enough to train on; defaults suit a model whose calls are about 85–95 % identical to the reference.</summary>
public sealed record LabelFilter
{
    /// <summary>Lowest identity (matches / alignment columns) of a read's primary alignment whose chunks are kept.</summary>
    public double MinIdentity { get; init; } = 0.8;

    /// <summary>Fewest called bases a chunk must hold.</summary>
    public int MinBases { get; init; } = 20;

    /// <summary>Lowest reference span length over called bases: below it the calls hold many insertions.</summary>
    public double MinLengthRatio { get; init; } = 0.8;

    /// <summary>Highest reference span length over called bases: above it the alignment skipped reference the signal did not show.</summary>
    public double MaxLengthRatio { get; init; } = 1.25;
}
