namespace Dipper.Device.Watching;

/// <summary>The watcher's record of one file under the input folders.</summary>
internal sealed class TrackedFile(long size, DateTime modified, TrackedState state, DateTimeOffset lastChange)
{
    public long Size { get; set; } = size;
    public DateTime Modified { get; set; } = modified;
    public TrackedState State { get; set; } = state;

    /// <summary>When size or time was last seen to change (or the file's own time, when first seen).</summary>
    public DateTimeOffset LastChange { get; set; } = lastChange;

    /// <summary>Bumped on every change, so a queue entry made before the change is recognised as stale.</summary>
    public int Generation { get; set; }

    public DateTimeOffset StableAt { get; set; }

    public bool Differs(long size, DateTime modified) => size != Size || modified != Modified;

    public void Changed(long size, DateTime modified, DateTimeOffset now)
    {
        Size = size;
        Modified = modified;
        LastChange = now;
        State = TrackedState.Growing;
        Generation++;
    }
}

/// <summary>Where a tracked file is on its way from written to called.</summary>
internal enum TrackedState
{
    Growing,
    Queued,
    Checking,
    HandedOut,
    Settled,
}
