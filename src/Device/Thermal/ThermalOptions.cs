using Dipper.Tpu.EdgeTpu;

namespace Dipper.Device.Thermal;

/// <summary>
/// Where temperatures are read and when the Edge TPU is slowed down or paused. Bound from the
/// <c>Thermal</c> configuration section. The defaults suit a USB Coral beside a single-board
/// computer in a closed box: the USB Accelerator reports no temperature of its own, so the board's
/// sensors stand in for it, and the hottest sensor decides.
/// </summary>
public sealed class ThermalOptions
{
    /// <summary>Configuration section the options are bound from.</summary>
    public const string SectionName = "Thermal";

    /// <summary>False to never throttle (e.g. a bench set-up with a fan).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Folder of the kernel's thermal zones (<c>thermal_zone*/temp</c>, milli-°C).</summary>
    public string ThermalZoneRoot { get; set; } = "/sys/class/thermal";

    /// <summary>Folder of the PCIe Edge TPU driver's devices (<c>apex_*/temp</c>, milli-°C).</summary>
    public string ApexRoot { get; set; } = "/sys/class/apex";

    /// <summary>How often the sensors are read.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>At or above this temperature (°C) the Edge TPU runs at High instead of Max.</summary>
    public double ThrottleToHighCelsius { get; set; } = 70;

    /// <summary>At or above this temperature (°C) the Edge TPU runs at Medium.</summary>
    public double ThrottleToMediumCelsius { get; set; } = 78;

    /// <summary>At or above this temperature (°C) base calling pauses until the box cools down.</summary>
    public double PauseCelsius { get; set; } = 85;

    /// <summary>How far (°C) below a threshold the temperature must fall before the step is undone, so the clock does not flap.</summary>
    public double HysteresisCelsius { get; set; } = 5;

    /// <summary>Shortest time between two performance steps, so each step has time to show its effect on the temperature.</summary>
    public TimeSpan MinimumTimeBetweenSteps { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The fastest level used when cool. The std libedgetpu runtime turns Max into High on USB anyway.</summary>
    public EdgeTpuPerformance TopPerformance { get; set; } = EdgeTpuPerformance.Max;

    /// <summary>Checks that the thresholds rise in order; returns the problem, or null when the options are usable.</summary>
    public string? Problem()
    {
        if (!(ThrottleToHighCelsius < ThrottleToMediumCelsius && ThrottleToMediumCelsius < PauseCelsius))
            return $"thermal thresholds must rise: high {ThrottleToHighCelsius} °C < medium {ThrottleToMediumCelsius} °C < pause {PauseCelsius} °C";
        if (HysteresisCelsius < 0) return "thermal hysteresis must not be negative";
        if (PollInterval <= TimeSpan.Zero) return "thermal poll interval must be positive";
        if (TopPerformance < EdgeTpuPerformance.Medium) return "the top Edge TPU performance must be Medium, High or Max";
        return null;
    }
}
