namespace Dipper.Device.Watching;

/// <summary>What became of a file the watcher handed out.</summary>
public enum FileSettlement
{
    /// <summary>Called and committed (or found already committed): not to be seen again unless it changes.</summary>
    Done,

    /// <summary>Set aside as damaged: not to be retried unless it changes.</summary>
    Failed,

    /// <summary>Not finished (the pipeline stopped, the service is stopping): to be handed out again.</summary>
    Abandoned,
}
