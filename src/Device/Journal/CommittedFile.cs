namespace Dipper.Device.Journal;

/// <summary>A signal file whose calls were just renamed into place: what the journal records of it.</summary>
/// <param name="Path">The signal file.</param>
/// <param name="Size">Its size when it was read.</param>
/// <param name="Modified">Its modification time (UTC) when it was read.</param>
/// <param name="Output">The FASTQ.gz.</param>
/// <param name="Reads">The reads written to it.</param>
/// <param name="Refused">Reads the model could not call.</param>
/// <param name="Note">Why reads were refused, if any were.</param>
/// <param name="StableAt">When the watcher found the file complete.</param>
public sealed record CommittedFile(string Path, long Size, DateTime Modified, string Output, IReadOnlyList<ReadDone> Reads,
    long Refused, string? Note, DateTimeOffset? StableAt);

/// <summary>One read written to an output.</summary>
/// <param name="ReadId">The read's UUID.</param>
/// <param name="Samples">Raw samples.</param>
/// <param name="Bases">Bases called.</param>
public sealed record ReadDone(string ReadId, long Samples, long Bases);
