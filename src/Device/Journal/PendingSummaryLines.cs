namespace Dipper.Device.Journal;

/// <summary>A committed file's lines that its run folder's sequencing summary may still lack.</summary>
/// <param name="Path">The signal file.</param>
/// <param name="Summary">The sequencing_summary.txt they belong in.</param>
/// <param name="Lines">The lines, each ending in a newline.</param>
public sealed record PendingSummaryLines(string Path, string Summary, string Lines);
