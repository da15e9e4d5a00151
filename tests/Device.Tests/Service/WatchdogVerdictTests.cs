using Dipper.Device.Service;

namespace Dipper.Device.Tests.Service;

public sealed class WatchdogVerdictTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public void Idle_service_with_a_live_watcher_is_healthy_however_old_its_last_progress()
    {
        Assert.Null(WatchdogVerdict.Problem(Now, Timeout, Now.AddSeconds(-1), Now.AddHours(-5), busy: false));
    }

    [Fact]
    public void Busy_pipeline_that_moved_recently_is_healthy()
    {
        Assert.Null(WatchdogVerdict.Problem(Now, Timeout, Now.AddSeconds(-1), Now.AddSeconds(-20), busy: true));
    }

    [Fact]
    public void Busy_pipeline_that_stopped_moving_starves_the_watchdog()
    {
        Assert.Contains("pipeline has not moved for 31 s", WatchdogVerdict.Problem(Now, Timeout, Now.AddSeconds(-1), Now.AddSeconds(-31), busy: true));
    }

    [Fact]
    public void Stuck_watcher_starves_the_watchdog_even_when_idle()
    {
        Assert.Contains("watcher has not run", WatchdogVerdict.Problem(Now, Timeout, Now.AddSeconds(-45), Now, busy: false));
    }
}
