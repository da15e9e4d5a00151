namespace Dipper.Device.Service;

/// <summary>What the calling loop is doing, as the status page and the watchdog see it.</summary>
public enum ServicePhase
{
    /// <summary>Loading the model and engines.</summary>
    Starting,

    /// <summary>Calling files as they arrive (or idle, waiting for them).</summary>
    Running,

    /// <summary>An engine failed; waiting to build the engines again.</summary>
    EngineFailed,

    /// <summary>Finishing the files in flight before exit.</summary>
    Stopping,

    /// <summary>Stopped.</summary>
    Stopped,
}
