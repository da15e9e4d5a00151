namespace Dipper.Device.Watching;

/// <summary>What <see cref="SignalFolderWatcher"/> watches and how patiently.</summary>
public sealed record WatcherSettings
{
    /// <summary>Folders searched recursively for signal files.</summary>
    public required IReadOnlyList<string> InputFolders { get; init; }

    /// <summary>Folders inside the input folders that are not input (Dipper's own output and state).</summary>
    public IReadOnlyList<string> ExcludedFolders { get; init; } = [];

    /// <summary>How long size and time must hold still before a file is checked.</summary>
    public TimeSpan StabilityDelay { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the folders are listed in full.</summary>
    public TimeSpan RescanInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Checked files waiting for the pipeline; further files wait unchecked (only their paths in memory).</summary>
    public int ReadyCapacity { get; init; } = 2;

    /// <summary>Clock (tests use a fake one).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}
