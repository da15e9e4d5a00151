namespace Dipper.Device.Service;

/// <summary>
/// Decides whether the service has earned a systemd watchdog ping: the watcher's loop must have run
/// recently, and when there is work in flight the pipeline must have moved within half the watchdog
/// timeout. An idle appliance with a live watcher is healthy; a pipeline stuck on a wedged TPU is not,
/// and systemd then restarts the service (the journal makes that safe).
/// </summary>
public static class WatchdogVerdict
{
    /// <summary>Null when healthy, else why not (logged once when the pings stop).</summary>
    /// <param name="now">Now.</param>
    /// <param name="timeout">The watchdog timeout (systemd's WatchdogSec).</param>
    /// <param name="watcherPass">When the watcher last finished a pass.</param>
    /// <param name="lastProgress">When the pipeline last moved.</param>
    /// <param name="busy">Files are in flight or waiting.</param>
    public static string? Problem(DateTimeOffset now, TimeSpan timeout, DateTimeOffset watcherPass, DateTimeOffset lastProgress, bool busy)
    {
        var allowed = timeout / 2;
        if (now - watcherPass > allowed)
            return $"the file watcher has not run for {(now - watcherPass).TotalSeconds:F0} s";
        if (busy && now - lastProgress > allowed)
            return $"files are waiting but the pipeline has not moved for {(now - lastProgress).TotalSeconds:F0} s";
        return null;
    }
}
