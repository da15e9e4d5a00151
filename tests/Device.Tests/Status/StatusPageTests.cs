using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dipper.Device.Tests.Service;
using Xunit.Abstractions;

namespace Dipper.Device.Tests.Status;

/// <summary>The status endpoints and page of a running service, the page rendered by headless Chromium.</summary>
[Collection(nameof(ServiceRuns))]
public sealed class StatusPageTests(ITestOutputHelper log) : IDisposable
{
    private readonly TestFolders _folders = new("dipper-status-");

    public void Dispose() => _folders.Dispose();

    private async Task<InProcessService> CalledThreeFilesAndSetOneAsideAsync()
    {
        // Two run folders as MinKNOW lays them out: two reads in run1, one in run2.
        foreach (var (file, i) in TestFolders.SampleFiles(3).Select((f, i) => (f, i)))
            _folders.Put(file, Path.Combine(i < 2 ? "run1" : "run2", "fast5_pass", $"r{i}.fast5"));
        var bytes = await File.ReadAllBytesAsync(TestFolders.Data("formats", "blow5", "r10_4khz_four_reads.blow5"));
        await File.WriteAllBytesAsync(Path.Combine(_folders.Input, "run1", "cut_short.blow5"), bytes[..(bytes.Length / 2)]);
        var zone = Directory.CreateDirectory(Path.Combine(_folders.ThermalZoneRoot, "thermal_zone0")).FullName;
        File.WriteAllText(Path.Combine(zone, "type"), "cpu-thermal\n");
        File.WriteAllText(Path.Combine(zone, "temp"), "52500\n");
        var service = await InProcessService.StartAsync(_folders.Settings("--Thermal:PollInterval=00:00:00.100"));
        await service.WaitUntilAsync(t => t.FilesDone == 3 && t.FilesFailed == 1);
        // The yield is added just after the journal's commit: wait for it too.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (service.State.Yield.Report().Total.Reads < 3)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the yield never reached 3 reads: {service.State.Yield.Report().Total}");
            await Task.Delay(50);
        }
        return service;
    }

    private static string Number(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

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
    public async Task Status_reports_the_yield_of_each_run_folder_as_the_fastq_holds_it_and_the_batches_each_engine_computed()
    {
        await using var service = await CalledThreeFilesAndSetOneAsideAsync();
        using var http = new HttpClient { BaseAddress = service.StatusAddress };

        var status = await http.GetFromJsonAsync<JsonElement>("/status");
        var yield = status.GetProperty("yield");
        foreach (var (run, written) in new[]
                 {
                     (yield.GetProperty("total"), WrittenCalls.In(_folders.Output)),
                     (yield.GetProperty("runs").EnumerateArray().Single(r => r.GetProperty("folder").GetString() == "run1"), WrittenCalls.In(Path.Combine(_folders.Output, "run1"))),
                     (yield.GetProperty("runs").EnumerateArray().Single(r => r.GetProperty("folder").GetString() == "run2"), WrittenCalls.In(Path.Combine(_folders.Output, "run2"))),
                 })
        {
            Assert.Equal(written.Reads, run.GetProperty("reads").GetInt64());
            Assert.Equal(written.Bases, run.GetProperty("bases").GetInt64());
            Assert.Equal(written.N50, run.GetProperty("readLengthN50").GetInt32());
            Assert.Equal(written.Reads, run.GetProperty("readLengths").EnumerateArray().Sum(r => r.GetProperty("reads").GetInt64()));
            Assert.Equal(written.Bases, run.GetProperty("readLengths").EnumerateArray().Sum(r => r.GetProperty("bases").GetInt64()));
            Assert.Equal(written.Reads, run.GetProperty("meanQualities").EnumerateArray().Sum(r => r.GetProperty("reads").GetInt64()));
            Assert.Equal(written.RunIds, run.GetProperty("runIds").EnumerateArray().Select(r => r.GetString()!));
            // The 2016 sample run names its flow cell and kit only in its protocol name.
            Assert.Equal(["FLO-MIN106"], run.GetProperty("flowCellProductCodes").EnumerateArray().Select(r => r.GetString()!));
            Assert.Equal(["SQK-LSK108"], run.GetProperty("sequencingKits").EnumerateArray().Select(r => r.GetString()!));
        }
        Assert.Equal(2, yield.GetProperty("runs").GetArrayLength());

        var batches = status.GetProperty("engines").EnumerateArray().Sum(e => e.GetProperty("batches").GetInt64());
        var metrics = await http.GetStringAsync("/metrics");
        var called = long.Parse(Regex.Match(metrics, @"\ndipper_batches_total (\d+)\n").Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.True(called > 0);
        Assert.Equal(called, batches);
    }

    [Fact]
    public async Task Status_page_in_headless_chromium_shows_live_numbers()
    {
        var chromium = HeadlessChromium.Find(Path.Combine(_folders.Root, "chromium-profile"));
        await using var service = await CalledThreeFilesAndSetOneAsideAsync();

        var html = await chromium.DomAsync(service.StatusAddress);

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

    [Fact]
    public async Task Status_page_in_headless_chromium_shows_the_yield_as_the_fastq_holds_it_with_labelled_charts()
    {
        var chromium = HeadlessChromium.Find(Path.Combine(_folders.Root, "chromium-profile"));
        await using var service = await CalledThreeFilesAndSetOneAsideAsync();
        using var http = new HttpClient { BaseAddress = service.StatusAddress };
        var status = await http.GetFromJsonAsync<JsonElement>("/status");

        var html = await chromium.DomAsync(service.StatusAddress);

        var all = WrittenCalls.In(_folders.Output);
        Assert.Equal(Number(all.Bases), Tile(html, "yield-bases"));
        Assert.Equal(Number(all.Reads), Tile(html, "yield-reads"));
        Assert.Equal(Number(all.N50), Tile(html, "yield-n50"));
        Assert.Equal("FLO-MIN106", Tile(html, "flow-cell"));
        Assert.Equal("SQK-LSK108", Tile(html, "kit"));
        Assert.Equal(string.Join(", ", all.RunIds), Tile(html, "run-id"));
        foreach (var (folder, written) in new[] { ("run1", WrittenCalls.In(Path.Combine(_folders.Output, "run1"))), ("run2", WrittenCalls.In(Path.Combine(_folders.Output, "run2"))), ("all", all) })
        {
            var row = Regex.Match(html, $@"<tr data-run=""{folder}"">.*?</tr>");
            Assert.True(row.Success, $"no row for run folder {folder}");
            Assert.Equal(Number(written.Reads), Cell(row.Value, "number reads"));
            Assert.Equal(Number(written.Bases), Cell(row.Value, "number bases"));
            Assert.Equal(Number(written.N50), Cell(row.Value, "number n50"));
            Assert.Equal(string.Join(", ", written.RunIds), Cell(row.Value, "run-id"));
        }

        // The throughput chart's axes are labelled with their units, and the histograms draw a bar per bin /status gives.
        var chart = Svg(html, "chart");
        Assert.Matches(@"class=""axis-title x-title""[^>]*>time \(seconds before now\)<", chart);
        Assert.Matches(@"class=""axis-title y-title""[^>]*>k samples/s<", chart);
        var total = status.GetProperty("yield").GetProperty("total");
        Assert.Equal(total.GetProperty("readLengths").GetArrayLength(), Regex.Count(Svg(html, "length-histogram"), @"class=""bar"""));
        Assert.Equal(total.GetProperty("meanQualities").GetArrayLength(), Regex.Count(Svg(html, "quality-histogram"), @"class=""bar"""));
        Assert.Matches(@">read length \(bases, bin start\)<", Svg(html, "length-histogram"));
        Assert.Matches(@">mean quality \(Phred Q\)<", Svg(html, "quality-histogram"));

        // The engines table counts the batches the engine computed.
        var batches = Regex.Match(html, @"<td>onnx</td><td class=""ok"">in service</td><td>(\d+)</td>");
        Assert.True(batches.Success, "no engine row");
        Assert.Equal(status.GetProperty("engines")[0].GetProperty("batches").GetInt64(), long.Parse(batches.Groups[1].Value, CultureInfo.InvariantCulture));
        Assert.True(long.Parse(batches.Groups[1].Value, CultureInfo.InvariantCulture) > 0);

        // The free space of both folders, as /status gives it.
        Assert.NotEqual("–", Tile(html, "free-output"));
        Assert.NotEqual("–", Tile(html, "free-state"));

        var png = Path.Combine(AppContext.BaseDirectory, "artefacts", "status-page.png");
        await chromium.ScreenshotAsync(service.StatusAddress, png, 1280, 2000);
        log.WriteLine($"status page screenshot: {png}");
        var header = (await File.ReadAllBytesAsync(png))[..24];
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], header[..4]);
        Assert.Equal((1280, 2000), (System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(16)), System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(20))));
    }

    private static string Cell(string row, string className)
    {
        var match = Regex.Match(row, $@"<td class=""{className}"">([^<]*)<");
        Assert.True(match.Success, $"no cell {className} in {row}");
        return match.Groups[1].Value;
    }

    private static string Svg(string html, string id)
    {
        var match = Regex.Match(html, $@"<svg id=""{id}"".*?</svg>", RegexOptions.Singleline);
        Assert.True(match.Success, $"no chart {id}");
        return match.Value;
    }
}
