namespace Dipper.Compiler.Calibration;

/// <summary>How many chunks and reads a calibration set takes from the signal files.</summary>
public sealed record CalibrationSetOptions
{
    /// <summary>Chunks to calibrate activation ranges on.</summary>
    public int CalibrationChunks { get; init; } = 256;

    /// <summary>
    /// At most this many chunks from any one read, spread evenly along it, so the ranges reflect many
    /// reads (pores, noise levels) rather than the first few long ones.
    /// </summary>
    public int ChunksPerRead { get; init; } = 8;

    /// <summary>Whole reads held out of calibration, on which the compiled models are verified.</summary>
    public int VerificationReads { get; init; } = 8;

    /// <summary>Every n-th usable read is held out (until <see cref="VerificationReads"/> are), so held-out reads come from across the input.</summary>
    public int HoldOutEvery { get; init; } = 4;

    /// <summary>
    /// Keep each calibration read whole as well (<see cref="CalibrationSet.WholeReads"/>): a pooled model pools over the whole
    /// read, so its part after the pooling is calibrated on windows of reads pooled whole, not on chunks.
    /// </summary>
    public bool KeepWholeReads { get; init; }
}
