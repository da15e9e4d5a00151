namespace Dipper.Device.Yield;

/// <summary>The yield since the service started: in total and for each run folder, busiest first.</summary>
/// <param name="Total">Every read committed since start.</param>
/// <param name="Runs">Each run folder's figures (the last <see cref="RunYields.MaxRunFolders"/> run folders to get reads).</param>
public sealed record YieldReport(RunYieldReport Total, IReadOnlyList<RunYieldReport> Runs);
