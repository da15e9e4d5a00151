using System.Globalization;
using Dipper.Device.Thermal;
using Dipper.Device.Watching;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;
using SystemdState = Microsoft.Extensions.Hosting.Systemd.ServiceState;

namespace Dipper.Device.Service;

/// <summary>
/// Feeds systemd's watchdog (<c>WatchdogSec=</c> in the unit, <c>WATCHDOG_USEC</c> in the environment) only
/// while <see cref="WatchdogVerdict"/> finds the service alive: pings come from real progress, not from a
/// timer that fires whatever the pipeline does. Also keeps <c>systemctl status</c>'s one-line STATUS current.
/// Does nothing when not started by systemd.
/// </summary>
public sealed class SystemdWatchdog : BackgroundService
{
    private static readonly SystemdState WatchdogPing = new("WATCHDOG=1");
    private readonly ISystemdNotifier _notifier;
    private readonly ServiceActivity _state;
    private readonly SignalFolderWatcher _watcher;
    private readonly ILogger _log;
    private readonly TimeSpan? _timeout;
    private readonly ThermalGovernor? _thermal;

    /// <summary>
    /// Created by the host: the watchdog timeout comes from systemd's environment. While the thermal governor
    /// pauses base calling the pipeline stands still on purpose, so that does not count against it.
    /// </summary>
    public SystemdWatchdog(ISystemdNotifier notifier, ServiceActivity state, SignalFolderWatcher watcher, ILogger<SystemdWatchdog> log,
        ThermalGovernor? thermal = null)
        : this(notifier, state, watcher, log, TimeoutFromEnvironment(), thermal)
    {
    }

    internal SystemdWatchdog(ISystemdNotifier notifier, ServiceActivity state, SignalFolderWatcher watcher, ILogger log, TimeSpan? timeout,
        ThermalGovernor? thermal = null)
    {
        _notifier = notifier;
        _state = state;
        _watcher = watcher;
        _log = log;
        _timeout = timeout;
        _thermal = thermal;
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_notifier.IsEnabled) return;
        var period = _timeout is { } t ? t / 4 : TimeSpan.FromSeconds(10);
        using var timer = new PeriodicTimer(period);
        string? silencedBecause = null;
        var lastPaused = DateTimeOffset.MinValue;
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var now = DateTimeOffset.UtcNow;
                var backlog = _watcher.Backlog();
                var paused = _thermal?.State.Paused == true;
                if (paused) lastPaused = now;
                _notifier.Notify(new SystemdState(string.Create(CultureInfo.InvariantCulture,
                    $"STATUS={_state.Phase}{(paused ? " (paused: too hot)" : "")}: {_state.CommittedFiles} files, {_state.CommittedReads} reads called since start; {backlog.Waiting + backlog.Ready} waiting, {_state.FilesInFlight} in flight")));
                if (_timeout is null) continue;
                // A thermal pause stops the pipeline on purpose: it is not a hang, and the clock of "no progress" starts when it ends.
                var busy = _state.Phase == ServicePhase.Running && !paused && (_state.FilesInFlight > 0 || backlog.Ready > 0);
                var progress = _state.LastProgress();
                var problem = WatchdogVerdict.Problem(now, _timeout.Value, _watcher.LastPass, progress > lastPaused ? progress : lastPaused, busy);
                if (problem is null)
                {
                    _notifier.Notify(WatchdogPing);
                    if (silencedBecause is not null) _log.LogInformation("watchdog pings resumed");
                    silencedBecause = null;
                }
                else if (silencedBecause is null)
                {
                    silencedBecause = problem;
                    _log.LogError("not pinging the systemd watchdog: {Problem}", problem);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }

    private static TimeSpan? TimeoutFromEnvironment()
    {
        var usec = Environment.GetEnvironmentVariable("WATCHDOG_USEC");
        var pid = Environment.GetEnvironmentVariable("WATCHDOG_PID");
        if (pid is not null && pid != Environment.ProcessId.ToString(CultureInfo.InvariantCulture)) return null;
        return long.TryParse(usec, NumberStyles.None, CultureInfo.InvariantCulture, out var microseconds) && microseconds > 0
            ? TimeSpan.FromMicroseconds(microseconds)
            : null;
    }
}
