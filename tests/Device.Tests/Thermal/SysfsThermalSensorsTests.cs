using Dipper.Device.Thermal;

namespace Dipper.Device.Tests.Thermal;

public sealed class SysfsThermalSensorsTests : IDisposable
{
    private readonly FakeSysfs _sysfs = new();

    public void Dispose() => _sysfs.Dispose();

    private ThermalOptions Options() => new() { ThermalZoneRoot = _sysfs.ThermalRoot, ApexRoot = _sysfs.ApexRoot };

    [Fact]
    public void Finds_thermal_zones_and_apex_devices_and_reads_millidegrees_as_celsius()
    {
        _sysfs.Zone(0, "cpu-thermal", 51.234);
        _sysfs.Zone(1, "gpu-thermal", 48);
        _sysfs.Apex(0, 63.5);
        Directory.CreateDirectory(Path.Combine(_sysfs.ThermalRoot, "cooling_device0")); // not a zone

        var sensors = SysfsThermalSensors.Discover(Options());

        Assert.Equal(["thermal_zone0 (cpu-thermal)", "thermal_zone1 (gpu-thermal)", "apex_0"], sensors.Select(s => s.Name));
        Assert.Equal(ThermalSensorKind.EdgeTpu, sensors[2].Kind);
        Assert.True(sensors[0].TryReadCelsius(out var cpu));
        Assert.Equal(51.234, cpu, 3);
        Assert.True(sensors[2].TryReadCelsius(out var tpu));
        Assert.Equal(63.5, tpu, 3);
    }

    [Fact]
    public void Missing_roots_give_no_sensors()
    {
        var sensors = SysfsThermalSensors.Discover(new ThermalOptions
        {
            ThermalZoneRoot = Path.Combine(_sysfs.Root, "nope"),
            ApexRoot = Path.Combine(_sysfs.Root, "nope2"),
        });
        Assert.Empty(sensors);
    }

    [Theory]
    [InlineData("garbage\n")]
    [InlineData("")]
    [InlineData("-273150\n")]
    public void Unparsable_or_implausible_temperature_is_no_reading(string content)
    {
        var path = _sysfs.Zone(0, "cpu-thermal", 40);
        File.WriteAllText(path, content);
        var sensor = Assert.Single(SysfsThermalSensors.Discover(Options()));
        Assert.False(sensor.TryReadCelsius(out _));
    }

    [Fact]
    public void Sensor_that_disappears_is_no_reading_not_an_exception()
    {
        var path = _sysfs.Apex(0, 50);
        var sensor = Assert.Single(SysfsThermalSensors.Discover(Options()));
        File.Delete(path);
        Assert.False(sensor.TryReadCelsius(out _));
    }
}
