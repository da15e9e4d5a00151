using Dipper.Device.Thermal;

namespace Dipper.Device.Status;

/// <summary>The thermal governor's state as <c>/status</c> reports it (the level as a word, for scripts and the page).</summary>
/// <param name="Celsius">Hottest temperature at the last poll.</param>
/// <param name="Sensor">The sensor that reported it.</param>
/// <param name="Performance">Edge TPU clock in force: Medium, High or Max.</param>
/// <param name="Throttled">Below the top clock, or paused.</param>
/// <param name="Paused">Base calling waits for the box to cool.</param>
/// <param name="Since">When the clock or the pause last changed.</param>
public sealed record ThermalStatus(double? Celsius, string? Sensor, string Performance, bool Throttled, bool Paused, DateTimeOffset Since)
{
    /// <summary>The report of <paramref name="state"/>; null before the first reading (no sensor, or thermal control off).</summary>
    public static ThermalStatus? From(ThermalState? state) => state is { Celsius: not null } s
        ? new ThermalStatus(s.Celsius, s.Sensor, s.Performance.ToString(), s.Throttled, s.Paused, s.Since)
        : null;
}
