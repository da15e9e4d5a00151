using Dipper.Basecaller.Signal;

namespace Dipper.Device.Watching;

/// <summary>A signal file the sequencer has finished: its size and time held still for the stability delay and it reads whole.</summary>
/// <param name="Path">The file (full path).</param>
/// <param name="Size">Its size when checked.</param>
/// <param name="Modified">Its modification time (UTC) when checked.</param>
/// <param name="Format">Its format, from its first bytes.</param>
/// <param name="Reads">Reads it holds.</param>
/// <param name="StableAt">When the watcher found it complete; the start of the latency the status page shows.</param>
public sealed record CompleteSignalFile(string Path, long Size, DateTime Modified, SignalFormat Format, int Reads, DateTimeOffset StableAt);
