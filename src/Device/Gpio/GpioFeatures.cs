using System.Device.Gpio;
using Microsoft.Extensions.Logging;

namespace Dipper.Device.Gpio;

/// <summary>
/// The appliance's LEDs and button, built from <see cref="GpioOptions"/>. On a machine without a GPIO
/// chip (a laptop, a container, CI) every GPIO feature switches off with one log line and the
/// service runs on, showing its status through <see cref="NoStatusIndicator"/>.
/// </summary>
public sealed class GpioFeatures : IDisposable
{
    private readonly GpioController? _controller;
    private readonly List<IDisposable> _devices;
    private bool _disposed;

    private GpioFeatures(GpioController? controller, IStatusIndicator indicator, SafeStopButton? button, List<IDisposable> devices)
    {
        _controller = controller;
        Indicator = indicator;
        SafeStopButton = button;
        _devices = devices;
    }

    /// <summary>True when a GPIO controller was opened and at least one LED or the button is driven.</summary>
    public bool Enabled => _controller is not null;

    /// <summary>Where the service shows its status; never null.</summary>
    public IStatusIndicator Indicator { get; }

    /// <summary>The safe-stop button, or null when none is configured or GPIO is off.</summary>
    public SafeStopButton? SafeStopButton { get; }

    /// <summary>Opens the controller and the configured LEDs and button.</summary>
    /// <param name="options">Pins and timings.</param>
    /// <param name="shutdown">What a long press of the button calls.</param>
    /// <param name="time">Clock for blinking and debouncing.</param>
    /// <param name="logger">Gets one line when GPIO is off, and the button's presses.</param>
    /// <param name="openController">Opens the controller; null for the board's default (libgpiod). Tests pass a fake driver here.</param>
    public static GpioFeatures Start(GpioOptions options, ISystemShutdown shutdown, TimeProvider time, ILogger logger,
        Func<GpioController>? openController = null)
    {
        var off = new GpioFeatures(null, new NoStatusIndicator(), null, []);
        if (!options.Enabled)
        {
            logger.LogInformation("GPIO off: disabled in the configuration");
            return off;
        }
        if (!options.AnyPinConfigured)
        {
            logger.LogInformation("GPIO off: no LED or button pin is configured");
            return off;
        }
        if (openController is null && !HasGpioChip(options.DeviceFolder))
        {
            logger.LogWarning("GPIO off: no GPIO chip ({Folder}/gpiochip*); status LED and safe-stop button disabled", options.DeviceFolder);
            return off;
        }

        GpioController controller;
        try
        {
            controller = openController is null ? new GpioController() : openController();
        }
        catch (Exception e)
        {
            // libgpiod missing, permissions, an unknown board: all mean the same to the user.
            logger.LogWarning("GPIO off: could not open the GPIO controller ({Message}); status LED and safe-stop button disabled", e.Message);
            return off;
        }

        var devices = new List<IDisposable>();
        try
        {
            var indicators = new List<IStatusIndicator>();
            if (options.StatusLedPin >= 0)
            {
                var led = new StatusLed(controller, options.StatusLedPin, options.StatusLedActiveLow, time);
                devices.Add(led);
                indicators.Add(led);
            }
            if (options.HasRgbLed)
            {
                var rgb = new RgbStatusLed(controller, options.RgbRedPin, options.RgbGreenPin, options.RgbBluePin, options.RgbActiveLow, time);
                devices.Add(rgb);
                indicators.Add(rgb);
            }
            SafeStopButton? button = null;
            if (options.SafeStopButtonPin >= 0)
            {
                button = new SafeStopButton(controller, options, shutdown, time, logger);
                devices.Add(button);
            }
            IStatusIndicator indicator = indicators.Count switch
            {
                0 => new NoStatusIndicator(),
                1 => indicators[0],
                _ => new StatusIndicatorGroup(indicators),
            };
            return new GpioFeatures(controller, indicator, button, devices);
        }
        catch (Exception e)
        {
            foreach (var device in devices) device.Dispose();
            controller.Dispose();
            logger.LogWarning("GPIO off: could not open the configured pins ({Message}); status LED and safe-stop button disabled", e.Message);
            return off;
        }
    }

    private static bool HasGpioChip(string deviceFolder) =>
        Directory.Exists(deviceFolder) && Directory.EnumerateFileSystemEntries(deviceFolder, "gpiochip*").Any();

    /// <summary>Turns the LEDs off, releases the pins and closes the controller.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        for (var i = _devices.Count - 1; i >= 0; i--) _devices[i].Dispose();
        _controller?.Dispose();
    }
}
