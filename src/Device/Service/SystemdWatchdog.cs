using System.Globalization;
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
public sealed class SystemdWatchdog(ISystemdNotifier notifier, ServiceState state, SignalFolderWatcher watcher, ILogger<SystemdWatchdog> log)
    : BackgroundService
{
    private static readonly SystemdState WatchdogPing = new("WATCHDOG=1");

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!notifier.IsEnabled) return;
        var timeout = Timeout();
        var period = timeout is { } t ? t / 4 : TimeSpan.FromSeconds(10);
        using var timer = new PeriodicTimer(period);
        string? silencedBecause = null;
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var backlog = watcher.Backlog();
                notifier.Notify(new SystemdState(string.Create(CultureInfo.InvariantCulture,
                    $"STATUS={state.Phase}: {state.CommittedFiles} files, {state.CommittedReads} reads called since start; {backlog.Waiting + backlog.Ready} waiting, {state.FilesInFlight} in flight")));
                if (timeout is null) continue;
                var busy = state.Phase == ServicePhase.Running && (state.FilesInFlight > 0 || backlog.Ready > 0);
                var problem = WatchdogVerdict.Problem(DateTimeOffset.UtcNow, timeout.Value, watcher.LastPass, state.LastProgress(), busy);
                if (problem is null)
                {
                    notifier.Notify(WatchdogPing);
                    if (silencedBecause is not null) log.LogInformation("watchdog pings resumed");
                    silencedBecause = null;
                }
                else if (silencedBecause is null)
                {
                    silencedBecause = problem;
                    log.LogError("not pinging the systemd watchdog: {Problem}", problem);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }

    private static TimeSpan? Timeout()
    {
        var usec = Environment.GetEnvironmentVariable("WATCHDOG_USEC");
        var pid = Environment.GetEnvironmentVariable("WATCHDOG_PID");
        if (pid is not null && pid != Environment.ProcessId.ToString(CultureInfo.InvariantCulture)) return null;
        return long.TryParse(usec, NumberStyles.None, CultureInfo.InvariantCulture, out var microseconds) && microseconds > 0
            ? TimeSpan.FromMicroseconds(microseconds)
            : null;
    }
}
