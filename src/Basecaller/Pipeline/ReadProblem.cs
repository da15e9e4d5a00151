namespace Dipper.Basecaller.Pipeline;

/// <summary>
/// A read or file the pipeline could not call, reported as it happens so the operator sees which read
/// and why, while the run goes on with the rest.
/// </summary>
/// <param name="Path">The signal file.</param>
/// <param name="ReadId">The read, or null when a whole file (or an unidentifiable part of it) was unreadable.</param>
/// <param name="Message">What was wrong, fit to print after the program name.</param>
public sealed record ReadProblem(string Path, string? ReadId, string Message);
