namespace Dipper.Device.Gpio;

/// <summary>
/// The default pattern for each <see cref="ApplianceStatus"/>. Chosen so they differ in rhythm, not
/// only in colour, because most boxes have a single-colour LED: a steady fast blink while starting,
/// a short heartbeat when idle, mostly-on while calling, a double blink for a growing backlog, a
/// triple blink for thermal throttling, a rapid flicker for errors and a slow even blink (1 s on,
/// 1 s off) for a full disk.
/// </summary>
public static class BlinkPatterns
{
    private static TimeSpan Ms(int milliseconds) => TimeSpan.FromMilliseconds(milliseconds);

    /// <summary>The default patterns; a new dictionary each call so a caller may change its copy.</summary>
    public static Dictionary<ApplianceStatus, BlinkPattern> CreateDefaults() => new()
    {
        [ApplianceStatus.Starting] = new BlinkPattern(
            new BlinkStep(LedColour.BlueOnly, Ms(250)), new BlinkStep(LedColour.Off, Ms(250))),
        [ApplianceStatus.Idle] = new BlinkPattern(
            new BlinkStep(LedColour.GreenOnly, Ms(100)), new BlinkStep(LedColour.Off, Ms(1900))),
        [ApplianceStatus.Basecalling] = new BlinkPattern(
            new BlinkStep(LedColour.GreenOnly, Ms(900)), new BlinkStep(LedColour.Off, Ms(100))),
        [ApplianceStatus.BacklogGrowing] = new BlinkPattern(
            new BlinkStep(LedColour.Yellow, Ms(150)), new BlinkStep(LedColour.Off, Ms(150)),
            new BlinkStep(LedColour.Yellow, Ms(150)), new BlinkStep(LedColour.Off, Ms(1050))),
        [ApplianceStatus.ThermalThrottling] = new BlinkPattern(
            new BlinkStep(LedColour.Magenta, Ms(150)), new BlinkStep(LedColour.Off, Ms(150)),
            new BlinkStep(LedColour.Magenta, Ms(150)), new BlinkStep(LedColour.Off, Ms(150)),
            new BlinkStep(LedColour.Magenta, Ms(150)), new BlinkStep(LedColour.Off, Ms(1050))),
        [ApplianceStatus.Error] = new BlinkPattern(
            new BlinkStep(LedColour.RedOnly, Ms(80)), new BlinkStep(LedColour.Off, Ms(80))),
        [ApplianceStatus.DiskFull] = new BlinkPattern(
            new BlinkStep(LedColour.RedOnly, Ms(1000)), new BlinkStep(LedColour.Off, Ms(1000))),
    };
}
