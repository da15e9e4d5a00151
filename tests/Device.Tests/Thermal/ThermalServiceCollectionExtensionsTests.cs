using Dipper.Device.Thermal;
using Dipper.Tpu.EdgeTpu;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Dipper.Device.Tests.Thermal;

public sealed class ThermalServiceCollectionExtensionsTests : IDisposable
{
    private readonly FakeSysfs _sysfs = new();

    public void Dispose() => _sysfs.Dispose();

    private IHost Build(RecordingPerformanceControl control, params (string Key, string Value)[] settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings
            .Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))
            .Append(new("Thermal:ThermalZoneRoot", _sysfs.ThermalRoot))
            .Append(new("Thermal:ApexRoot", _sysfs.ApexRoot)));
        builder.Services.AddSingleton<IEdgeTpuPerformanceControl>(control);
        builder.Services.AddApplianceThermalControl(builder.Configuration);
        return builder.Build();
    }

    [Fact]
    public async Task Host_reads_the_configured_sysfs_and_throttles_a_hot_tpu()
    {
        _sysfs.Apex(0, 74);
        var control = new RecordingPerformanceControl();
        using var host = Build(control, ("Thermal:ThrottleToHighCelsius", "72"));
        await host.StartAsync();
        var governor = host.Services.GetRequiredService<ThermalGovernor>();

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (governor.State.Celsius is null && DateTime.UtcNow < deadline) await Task.Delay(10);

        Assert.Equal(74, governor.State.Celsius);
        Assert.Equal(EdgeTpuPerformance.High, governor.State.Performance);
        Assert.Equal([EdgeTpuPerformance.High], control.Requests);
        await host.StopAsync();
    }

    [Fact]
    public async Task Thresholds_out_of_order_stop_the_host_at_start_with_a_clear_message()
    {
        using var host = Build(new RecordingPerformanceControl(), ("Thermal:PauseCelsius", "60"));
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("thresholds must rise", e.Message);
    }
}
