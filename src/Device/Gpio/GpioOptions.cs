namespace Dipper.Device.Gpio;

/// <summary>
/// Which header pins the appliance's light and button are wired to, and how. Bound from the
/// <c>Gpio</c> section of the configuration, because boards and enclosures differ and a rewired
/// LED must not need a rebuild. A pin of -1 means "not fitted" (dotnet/iot's convention).
/// </summary>
public sealed class GpioOptions
{
    /// <summary>Configuration section the options are bound from.</summary>
    public const string SectionName = "Gpio";

    /// <summary>Master switch, so a board whose pins are used by something else can opt out.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Folder searched for <c>gpiochip*</c> character devices; a test or container can point it elsewhere.</summary>
    public string DeviceFolder { get; set; } = "/dev";

    /// <summary>Pin of a single-colour status LED, or -1.</summary>
    public int StatusLedPin { get; set; } = -1;

    /// <summary>True when the LED lights on a low pin (wired from 3.3 V through the LED to the pin).</summary>
    public bool StatusLedActiveLow { get; set; }

    /// <summary>Red pin of an optional RGB status LED, or -1.</summary>
    public int RgbRedPin { get; set; } = -1;

    /// <summary>Green pin of an optional RGB status LED, or -1.</summary>
    public int RgbGreenPin { get; set; } = -1;

    /// <summary>Blue pin of an optional RGB status LED, or -1.</summary>
    public int RgbBluePin { get; set; } = -1;

    /// <summary>True for a common-anode RGB LED, whose colours light on a low pin.</summary>
    public bool RgbActiveLow { get; set; }

    /// <summary>Pin of the safe-stop push button, or -1.</summary>
    public int SafeStopButtonPin { get; set; } = -1;

    /// <summary>True when a press pulls the pin low (button to ground with a pull-up), the usual wiring.</summary>
    public bool SafeStopButtonActiveLow { get; set; } = true;

    /// <summary>How long the button level must stay unchanged before it counts; mechanical contacts bounce for a few milliseconds.</summary>
    public TimeSpan Debounce { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>How long the button must be held to ask for a system shutdown instead of a safe stop.</summary>
    public TimeSpan LongPress { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Command run on a long press; systemd stops dipperd safely (SIGTERM) on the way down.</summary>
    public string PowerOffCommand { get; set; } = "systemctl poweroff";

    /// <summary>True when at least one LED or the button is configured, i.e. there is anything to drive.</summary>
    public bool AnyPinConfigured =>
        StatusLedPin >= 0 || RgbRedPin >= 0 || RgbGreenPin >= 0 || RgbBluePin >= 0 || SafeStopButtonPin >= 0;

    /// <summary>True when all three colours of the RGB LED are configured.</summary>
    public bool HasRgbLed => RgbRedPin >= 0 && RgbGreenPin >= 0 && RgbBluePin >= 0;
}
