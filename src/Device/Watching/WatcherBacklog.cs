namespace Dipper.Device.Watching;

/// <summary>Files the watcher knows of that are not called yet.</summary>
/// <param name="Growing">Still changing, or not yet still for the stability delay.</param>
/// <param name="Waiting">Finished, waiting to be checked and called: the backlog proper.</param>
/// <param name="Ready">Checked, waiting for a free place in the pipeline.</param>
/// <param name="HandedOut">Being called.</param>
/// <param name="Known">Every file tracked (settled ones included): what the watcher's memory grows with.</param>
public sealed record WatcherBacklog(int Growing, int Waiting, int Ready, int HandedOut, int Known);
