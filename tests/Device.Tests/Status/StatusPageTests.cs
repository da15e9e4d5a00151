using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dipper.Device.Tests.Service;

namespace Dipper.Device.Tests.Status;

/// <summary>The status endpoints and page of a running service, the page rendered by headless Chromium.</summary>
[Collection(nameof(ServiceRuns))]
public sealed class StatusPageTests : IDisposable
{
    private readonly TestFolders _folders = new("dipper-status-");

    public void Dispose() => _folders.Dispose();

    private async Task<InProcessService> CalledThreeFilesAndSetOneAsideAsync()
    {
        foreach (var (file, i) in TestFolders.SampleFiles(3).Select((f, i) => (f, i))) _folders.Put(file, Path.Combine("run1", "fast5_pass", $"r{i}.fast5"));
        var bytes = await File.ReadAllBytesAsync(TestFolders.Data("formats", "blow5", "r10_4khz_four_reads.blow5"));
        await File.WriteAllBytesAsync(Path.Combine(_folders.Input, "run1", "cut_short.blow5"), bytes[..(bytes.Length / 2)]);
        var zone = Directory.CreateDirectory(Path.Combine(_folders.ThermalZoneRoot, "thermal_zone0")).FullName;
        File.WriteAllText(Path.Combine(zone, "type"), "cpu-thermal\n");
        File.WriteAllText(Path.Combine(zone, "temp"), "52500\n");
        var service = await InProcessService.StartAsync(_folders.Settings("--Thermal:PollInterval=00:00:00.100"));
        await service.WaitUntilAsync(t => t.FilesDone == 3 && t.FilesFailed == 1);
        return service;
    }

    [Fact]
    public async Task Status_and_metrics_report_the_reads_done_backlog_and_engine()
    {
        await using var service = await CalledThreeFilesAndSetOneAsideAsync();
        using var http = new HttpClient { BaseAddress = service.StatusAddress };

        var status = await http.GetFromJsonAsync<JsonElement>("/status");
        Assert.Equal("running", status.GetProperty("phase").GetString());
        Assert.Equal(3, status.GetProperty("readsDone").GetInt64());
        Assert.Equal(3, status.GetProperty("filesDone").GetInt64());
        Assert.Equal(1, status.GetProperty("filesFailed").GetInt64());
        Assert.Equal(0, status.GetProperty("backlog").GetInt32());
        Assert.Equal("onnx", status.GetProperty("engine").GetString());
        Assert.True(status.GetProperty("engines")[0].GetProperty("healthy").GetBoolean());
        Assert.Contains("cut_short.blow5", status.GetProperty("setAside")[0].GetProperty("path").GetString());
        Assert.True(status.GetProperty("queues").TryGetProperty("inference", out _));
        var thermal = status.GetProperty("thermal");
        Assert.Equal(52.5, thermal.GetProperty("celsius").GetDouble());
        Assert.Equal("Max", thermal.GetProperty("performance").GetString());
        Assert.False(thermal.GetProperty("throttled").GetBoolean());
        Assert.False(thermal.GetProperty("paused").GetBoolean());

        var metrics = await http.GetAsync("/metrics");
        Assert.Equal("text/plain", metrics.Content.Headers.ContentType!.MediaType);
        var text = await metrics.Content.ReadAsStringAsync();
        Assert.Contains("dipper_service_files_done_total 3\n", text);
        Assert.Contains("dipper_service_files_failed_total 1\n", text);
        Assert.Contains("dipper_reads_called_total 3\n", text);
        Assert.Contains("dipper_service_backlog{state=\"waiting\"} 0\n", text);
        Assert.Contains("dipper_service_engine_healthy{engine=\"onnx\"} 1\n", text);
        Assert.Contains("# TYPE dipper_queue_inference gauge\n", text);
    }

    [Fact]
    public async Task Status_page_in_headless_chromium_shows_live_numbers()
    {
        var chromium = FindChromium();
        Assert.True(chromium is not null, "headless Chromium is needed: apt-get install chromium (.ci/run installs it)");
        await using var service = await CalledThreeFilesAndSetOneAsideAsync();

        var profile = Directory.CreateDirectory(Path.Combine(_folders.Root, "chromium-profile")).FullName;
        var start = new ProcessStartInfo(chromium)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            ArgumentList =
            {
                "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", $"--user-data-dir={profile}",
                "--virtual-time-budget=5000", "--dump-dom", service.StatusAddress.ToString(),
            },
        };
        using var process = Process.Start(start)!;
        var dom = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        var html = await dom;
        Assert.True(html.Contains("id=\"reads-done\""), $"no page rendered; chromium said: {await errors}");

        Assert.Equal("3", Tile(html, "reads-done"));
        Assert.Equal("3", Tile(html, "files-done"));
        Assert.Equal("1", Tile(html, "files-failed"));
        Assert.Equal("0", Tile(html, "backlog"));
        Assert.Matches(@"id=""phase"" class=""ok"">running<", html);
        Assert.Contains("cut_short.blow5", html);
        Assert.Matches(@"<td>onnx</td><td class=""ok"">in service</td>", html);
        Assert.Equal("52.5", Tile(html, "temperature"));
        Assert.Equal("Max", Tile(html, "edgetpu-performance"));
        Assert.Matches(@"class=""value ok"" id=""thermal"">normal<", html);
    }

    private static string Tile(string html, string id)
    {
        var match = Regex.Match(html, $@"id=""{id}"">([^<]*)<");
        Assert.True(match.Success, $"no element {id}");
        return match.Groups[1].Value;
    }

    private static string? FindChromium()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var name in new[] { "chromium", "chromium-browser", "google-chrome" })
        {
            foreach (var folder in path.Split(':', StringSplitOptions.RemoveEmptyEntries))
            {
                var candidate = Path.Combine(folder, name);
                if (File.Exists(candidate)) return candidate;
            }
        }
        return null;
    }
}
