using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Dipper.Device.Gpio;

/// <summary>
/// Connects the safe-stop button to the host: a short press calls
/// <see cref="IHostApplicationLifetime.StopApplication"/>, which runs the same safe stop as SIGTERM
/// (finish in-flight reads, commit, exit). A long press has already asked the system to power off;
/// systemd's SIGTERM then stops the service the same safe way. Also shows
/// <see cref="ApplianceStatus.Starting"/> on the LED from the moment the host starts.
/// </summary>
public sealed class SafeStopButtonHook(GpioFeatures gpio, IHostApplicationLifetime lifetime, ILogger<SafeStopButtonHook> logger)
    : IHostedService
{
    /// <inheritdoc/>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        gpio.Indicator.Show(ApplianceStatus.Starting);
        if (gpio.SafeStopButton is { } button)
        {
            button.SafeStopRequested += OnSafeStop;
            button.ShutdownRequested += OnShutdown;
        }
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task StopAsync(CancellationToken cancellationToken)
    {
        if (gpio.SafeStopButton is { } button)
        {
            button.SafeStopRequested -= OnSafeStop;
            button.ShutdownRequested -= OnShutdown;
        }
        return Task.CompletedTask;
    }

    private void OnSafeStop(object? sender, EventArgs e)
    {
        logger.LogWarning("Safe stop requested with the button");
        lifetime.StopApplication();
    }

    private void OnShutdown(object? sender, EventArgs e) =>
        logger.LogWarning("System power-off requested with the button; dipperd stops when systemd stops it");
}
