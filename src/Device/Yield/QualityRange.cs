namespace Dipper.Device.Yield;

/// <summary>One bar of the mean-quality histogram: the reads whose mean quality is at least <paramref name="Q"/> and below Q + 1.</summary>
/// <param name="Q">Phred score at the bin's start.</param>
/// <param name="Reads">Reads in the bin.</param>
public sealed record QualityRange(int Q, long Reads);
