namespace Dipper.Basecaller.Signal;

/// <summary>
/// The per-read facts Dipper reports from a SLOW5/BLOW5 record's optional columns
/// (<c>channel_number</c>, <c>read_number</c>, <c>start_time</c>); zero where a file lacks them.
/// </summary>
internal readonly record struct Slow5ReadDetails(int Channel, long ReadNumber, ulong StartSample);
