namespace Dipper.Device.Yield;

/// <summary>One bar of the read-length histogram the status page draws.</summary>
/// <param name="From">Shortest length in the range, in bases.</param>
/// <param name="To">The range ends before this length; null for the last range.</param>
/// <param name="Reads">Reads in the range.</param>
/// <param name="Bases">Their bases.</param>
public sealed record LengthRange(long From, long? To, long Reads, long Bases);
