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

    /// <summary>The output or state folder's disk is full: no file is called until there is room again.</summary>
    DiskFull,

    /// <summary>The output or state folder is read-only or gone (a USB disk pulled): no file is called until it is back.</summary>
    FolderUnavailable,

    /// <summary>Finishing the files in flight before exit.</summary>
    Stopping,

    /// <summary>Stopped.</summary>
    Stopped,
}
