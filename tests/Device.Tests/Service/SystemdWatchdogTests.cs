using Dipper.Device.Journal;
using Dipper.Device.Service;
using Dipper.Device.Tests.Thermal;
using Dipper.Device.Thermal;
using Dipper.Device.Watching;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dipper.Device.Tests.Service;

// Wall-clock timing (pings per 100 ms): run apart from the parallel tests so CPU contention cannot starve the loop.
[Collection(nameof(ServiceRuns))]
public sealed class SystemdWatchdogTests : IDisposable
{
    private readonly TestFolders _folders = new("dipper-watchdog-");
    private readonly CallJournal _journal;
    private readonly CancellationTokenSource _stop = new();
    private readonly SignalFolderWatcher _watcher;
    private readonly Task _watching;

    public SystemdWatchdogTests()
    {
        _journal = CallJournal.Open(_folders.State);
        _watcher = new SignalFolderWatcher(new WatcherSettings { InputFolders = [_folders.Input], StabilityDelay = TimeSpan.FromMilliseconds(200) },
            _journal, NullLogger.Instance);
        _watching = _watcher.RunAsync(_stop.Token);
    }

    public void Dispose()
    {
        _stop.Cancel();
        _watching.Wait(TimeSpan.FromSeconds(5));
        _journal.Dispose();
        _stop.Dispose();
        _folders.Dispose();
    }

    private sealed class RecordingNotifier : ISystemdNotifier
    {
        private readonly List<(TimeSpan At, string Message)> _sent = [];
        private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
        public bool IsEnabled => true;
        public void Notify(Microsoft.Extensions.Hosting.Systemd.ServiceState state)
        {
            lock (_sent) _sent.Add((_clock.Elapsed, state.ToString()));
        }
        public int Pings
        {
            get { lock (_sent) return _sent.Count(s => s.Message == "WATCHDOG=1"); }
        }
        public TimeSpan LastPing
        {
            get { lock (_sent) return _sent.Where(s => s.Message == "WATCHDOG=1").Select(s => s.At).DefaultIfEmpty().Max(); }
        }
        public bool SentStatus
        {
            get { lock (_sent) return _sent.Any(s => s.Message.StartsWith("STATUS=", StringComparison.Ordinal)); }
        }
    }

    private async Task<RecordingNotifier> RunAsync(ServiceActivity state, TimeSpan during, ThermalGovernor? thermal = null)
    {
        var notifier = new RecordingNotifier();
        using var watchdog = new SystemdWatchdog(notifier, state, _watcher, NullLogger.Instance, TimeSpan.FromMilliseconds(400), thermal);
        await watchdog.StartAsync(CancellationToken.None);
        await Task.Delay(during);
        await watchdog.StopAsync(CancellationToken.None);
        return notifier;
    }

    [Fact]
    public async Task Idle_service_with_a_live_watcher_feeds_the_watchdog_and_reports_its_status()
    {
        var notifier = await RunAsync(new ServiceActivity { Phase = ServicePhase.Running }, TimeSpan.FromSeconds(1.5));
        Assert.True(notifier.Pings >= 5, $"{notifier.Pings} pings");
        Assert.True(notifier.SentStatus);
    }

    [Fact]
    public async Task Busy_pipeline_that_does_not_move_stops_feeding_the_watchdog()
    {
        var state = new ServiceActivity { Phase = ServicePhase.Running, FilesInFlight = 1 };
        var notifier = await RunAsync(state, TimeSpan.FromSeconds(1.5));
        // A few pings while the last progress is recent (within half the 400 ms timeout), then none:
        // systemd would restart the service.
        Assert.True(notifier.LastPing < TimeSpan.FromMilliseconds(700), $"last ping at {notifier.LastPing.TotalMilliseconds:F0} ms");
    }

    [Fact]
    public async Task Pipeline_paused_because_the_box_is_too_hot_still_feeds_the_watchdog()
    {
        using var thermal = new ThermalGovernor(new ThermalOptions(), new RecordingPerformanceControl(), TimeProvider.System);
        thermal.Update(new ThermalReading(90, "cpu-thermal"));
        var state = new ServiceActivity { Phase = ServicePhase.Running, FilesInFlight = 1 };
        var notifier = await RunAsync(state, TimeSpan.FromSeconds(1.5), thermal);
        // Standing still on purpose is not a hang: systemd must not restart a box that is cooling down. Pings go on
        // past the 700 ms by which a stuck pipeline's have stopped (above); the bound leaves a late tick's room, as a
        // loaded machine delays one (a ping at 1,098 ms failed a bound of 1,100 once, with two test runs side by side).
        Assert.True(notifier.LastPing > TimeSpan.FromMilliseconds(900), $"last ping at {notifier.LastPing.TotalMilliseconds:F0} ms");
        Assert.True(notifier.Pings >= 5, $"{notifier.Pings} pings");
    }
}
