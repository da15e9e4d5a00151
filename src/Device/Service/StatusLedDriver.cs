using Dipper.Device.Gpio;
using Dipper.Device.Thermal;
using Dipper.Device.Watching;
using Microsoft.Extensions.Hosting;

namespace Dipper.Device.Service;

/// <summary>
/// Shows the service's state on the status LED (and RGB LED) once a second, so an appliance without a
/// screen still tells its operator whether it is working, falling behind, too hot or needs attention.
/// The thermal governor is optional: without thermal control the LED never shows heat.
/// </summary>
public sealed class StatusLedDriver(IStatusIndicator indicator, ServiceActivity activity, SignalFolderWatcher watcher,
    TimeProvider time, ThermalGovernor? thermal = null) : BackgroundService
{
    /// <summary>How often the state is looked at; the LED patterns themselves run on their own timer.</summary>
    public static TimeSpan Interval { get; } = TimeSpan.FromSeconds(1);

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        ApplianceStatus? shown = null;
        var previousBacklog = 0;
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            var backlog = watcher.Backlog();
            var waiting = backlog.Waiting + backlog.Ready;
            var status = ApplianceStatusRule.From(activity.Phase, activity.FilesInFlight, waiting, previousBacklog, thermal?.State);
            previousBacklog = waiting;
            if (status != shown)
            {
                indicator.Show(status);
                shown = status;
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
