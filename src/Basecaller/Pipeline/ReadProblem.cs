using Dipper.Basecaller.Signal;

namespace Dipper.Basecaller.Pipeline;

/// <summary>
/// A read or file the pipeline could not call, reported as it happens so the operator sees which read
/// and why, while the run goes on with the rest.
/// </summary>
/// <param name="Path">The signal file.</param>
/// <param name="ReadId">The read, or null when a whole file (or an unidentifiable part of it) was unreadable.</param>
/// <param name="Message">What was wrong, fit to print after the program name.</param>
public sealed record ReadProblem(string Path, string? ReadId, string Message)
{
    /// <summary>
    /// The read's chemistry when it was refused because it is not the model's (e.g. R10.4.1 for an R9.4.1
    /// model): the whole file is then of the wrong chemistry, and the service sets it aside. Null otherwise.
    /// </summary>
    public SequencingChemistry? WrongChemistry { get; init; }
}
