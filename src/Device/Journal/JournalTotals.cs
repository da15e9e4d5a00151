namespace Dipper.Device.Journal;

/// <summary>Everything the appliance has settled since its journal was created, for the status page.</summary>
/// <param name="FilesDone">Signal files whose calls are on disk.</param>
/// <param name="FilesFailed">Signal files set aside as damaged.</param>
/// <param name="Reads">Reads written.</param>
/// <param name="Samples">Raw samples of the reads written.</param>
/// <param name="Bases">Bases written.</param>
/// <param name="Refused">Reads the model could not call.</param>
public sealed record JournalTotals(long FilesDone, long FilesFailed, long Reads, long Samples, long Bases, long Refused);
