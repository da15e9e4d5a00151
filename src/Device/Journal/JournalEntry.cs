namespace Dipper.Device.Journal;

/// <summary>What the journal knows of one signal file.</summary>
/// <param name="Path">The signal file (full path).</param>
/// <param name="Size">Its size in bytes when it was settled; a different size later means it changed.</param>
/// <param name="Modified">Its modification time (UTC) when it was settled.</param>
/// <param name="State">Done or failed.</param>
/// <param name="Error">Why it failed, or what was refused in it (unsupported reads), if anything.</param>
/// <param name="Output">The FASTQ.gz holding its calls, when done.</param>
/// <param name="Reads">Reads called and written.</param>
/// <param name="Refused">Reads the model could not call (e.g. an unsupported sample rate).</param>
/// <param name="StableAt">When the watcher found it complete, if known.</param>
/// <param name="SettledAt">When it was committed or set aside.</param>
public sealed record JournalEntry(string Path, long Size, DateTime Modified, FileState State, string? Error, string? Output,
    long Reads, long Refused, DateTimeOffset? StableAt, DateTimeOffset SettledAt)
{
    /// <summary>True when the file still has the size and time it had when settled.</summary>
    public bool Matches(long size, DateTime modified) => Size == size && Modified == modified;
}
