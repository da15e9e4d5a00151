using System.Net.Http.Json;
using System.Text.Json;
using Dipper.Device.Tests.Thermal;
using Dipper.Device.Thermal;
using Microsoft.Extensions.DependencyInjection;

namespace Dipper.Device.Tests.Service;

/// <summary><c>dipperd run</c> with thermal control: a hot fake sysfs pauses calling, the status page says so, cooling resumes it.</summary>
[Collection(nameof(ServiceRuns))]
public sealed class ThermalServiceTests : IDisposable
{
    private readonly TestFolders _folders = new("dipper-thermal-");

    public void Dispose() => _folders.Dispose();

    private string Zone(double celsius)
    {
        var zone = Path.Combine(_folders.ThermalZoneRoot, "thermal_zone0");
        Directory.CreateDirectory(zone);
        File.WriteAllText(Path.Combine(zone, "type"), "cpu-thermal\n");
        return FakeSysfs.SetTemp(zone, celsius);
    }

    [Fact]
    public async Task Too_hot_appliance_pauses_calling_shows_it_on_the_status_page_and_resumes_after_cooling()
    {
        var zone = Path.GetDirectoryName(Zone(91))!;
        foreach (var (file, i) in TestFolders.SampleFiles(2).Select((f, i) => (f, i))) _folders.Put(file, Path.Combine("run1", $"r{i}.fast5"));
        await using var service = await InProcessService.StartAsync(_folders.Settings("--Thermal:PollInterval=00:00:00.100"));
        using var http = new HttpClient { BaseAddress = service.StatusAddress };

        var thermal = await ThermalReportAsync(http, t => t.TryGetProperty("paused", out var p) && p.GetBoolean());
        Assert.Equal(91, thermal.GetProperty("celsius").GetDouble());
        Assert.Equal("thermal_zone0 (cpu-thermal)", thermal.GetProperty("sensor").GetString());
        Assert.Equal("High", thermal.GetProperty("performance").GetString()); // one step down from Max at once
        Assert.True(thermal.GetProperty("throttled").GetBoolean());

        await Task.Delay(TimeSpan.FromSeconds(2)); // files settle (0.3 s) and would be called by now if not paused
        Assert.Equal(0, service.Journal.Totals().FilesDone);
        Assert.Equal(0, service.State.Counters?.Batches ?? 0);
        var metrics = await http.GetStringAsync("/metrics");
        Assert.Contains("dipper_thermal_paused 1\n", metrics);
        Assert.Contains("dipper_thermal_temperature 91\n", metrics);

        FakeSysfs.SetTemp(zone, 60);
        await service.WaitUntilAsync(t => t.FilesDone == 2);
        var cooled = await ThermalReportAsync(http, t => !t.GetProperty("paused").GetBoolean());
        Assert.Equal(60, cooled.GetProperty("celsius").GetDouble());
    }

    [Fact]
    public async Task Service_wires_the_governor_to_the_edge_tpu_engines_performance_setting()
    {
        Zone(50);
        await using var service = await InProcessService.StartAsync(_folders.Settings());
        var setting = service.Services.GetRequiredService<Tpu.Engines.EdgeTpuPerformanceSetting>();
        Assert.Equal(Tpu.EdgeTpu.EdgeTpuPerformance.Max, setting.Level); // ThermalOptions.TopPerformance
        Assert.IsType<DelegatePerformanceControl>(service.Services.GetRequiredService<IEdgeTpuPerformanceControl>());
        service.Services.GetRequiredService<IEdgeTpuPerformanceControl>().SetPerformance(Tpu.EdgeTpu.EdgeTpuPerformance.Medium);
        Assert.Equal(Tpu.EdgeTpu.EdgeTpuPerformance.Medium, setting.Level);
    }

    private static async Task<JsonElement> ThermalReportAsync(HttpClient http, Func<JsonElement, bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var status = await http.GetFromJsonAsync<JsonElement>("/status");
            if (status.TryGetProperty("thermal", out var thermal) && thermal.ValueKind == JsonValueKind.Object && condition(thermal)) return thermal;
            Assert.True(DateTime.UtcNow < deadline, $"timed out; last /status thermal: {(status.TryGetProperty("thermal", out var t) ? t.ToString() : "absent")}");
            await Task.Delay(100);
        }
    }
}
