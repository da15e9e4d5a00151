namespace Dipper.Device.Thermal;

/// <summary>The hottest temperature seen in one poll and which sensor reported it.</summary>
/// <param name="Celsius">Temperature in °C.</param>
/// <param name="Sensor">Name of the sensor.</param>
public readonly record struct ThermalReading(double Celsius, string Sensor)
{
    /// <summary>The hottest readable sensor, or null when none could be read.</summary>
    public static ThermalReading? Hottest(IEnumerable<ThermalSensor> sensors)
    {
        ThermalReading? hottest = null;
        foreach (var sensor in sensors)
        {
            if (sensor.TryReadCelsius(out var celsius) && (hottest is null || celsius > hottest.Value.Celsius))
                hottest = new ThermalReading(celsius, sensor.Name);
        }
        return hottest;
    }
}
