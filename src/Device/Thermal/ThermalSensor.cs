using System.Globalization;

namespace Dipper.Device.Thermal;

/// <summary>
/// One sysfs temperature file holding milli-degrees Celsius, as both the kernel's thermal zones and
/// the apex driver write them. Read on every poll because the value changes; a failed read is a
/// normal event (a PCIe TPU reset, a zone that is briefly unavailable), reported through
/// <see cref="TryReadCelsius"/> rather than an exception.
/// </summary>
/// <param name="Name">Name for logs: the zone's <c>type</c> (e.g. "cpu-thermal") or the apex device name.</param>
/// <param name="Kind">Board zone or Edge TPU.</param>
/// <param name="Path">The <c>temp</c> file.</param>
public sealed record ThermalSensor(string Name, ThermalSensorKind Kind, string Path)
{
    /// <summary>Reads the current temperature in °C; false when the file is unreadable or holds no plausible number.</summary>
    public bool TryReadCelsius(out double celsius)
    {
        celsius = double.NaN;
        string text;
        try
        {
            text = File.ReadAllText(Path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
        if (!long.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var millidegrees))
            return false;
        celsius = millidegrees / 1000.0;
        // Some drivers report -273.15 or huge values for a sensor that is not ready.
        return celsius is > -100 and < 250;
    }
}
