using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Dipper.Device.Tests.Service;

/// <summary>
/// A TPU is plugged in (the libedgetpu test double, tests/native/fake_edgetpu.c, through DIPPER_EDGETPU_LIB) and the
/// bundled package has no model compiled for it: dipperd says so at start and on the status page, and calls on the CPU.
/// </summary>
[Collection(nameof(ServiceRuns))]
public sealed partial class EdgeTpuWithoutCompiledModelTests : IDisposable
{
    private const string Notice = "An Edge TPU is plugged in (usb:/sys/bus/usb/devices/2-1), but model package 'sbonito_80_bb_swish' has no model compiled for it";
    private readonly TestFolders _folders = new("dipper-tpu-notice-");
    private readonly Dictionary<string, string> _tpuPresent;

    public EdgeTpuWithoutCompiledModelTests()
    {
        var config = Path.Combine(_folders.Root, "fake-edgetpu.conf");
        File.WriteAllText(config, "device usb /sys/bus/usb/devices/2-1\n");
        var library = Path.Combine(AppContext.BaseDirectory, "fake-edgetpu", "libedgetpu.so.1");
        Assert.True(File.Exists(library), $"{library} missing: the test build compiles tests/native/fake_edgetpu.c with gcc");
        _tpuPresent = new() { ["DIPPER_EDGETPU_LIB"] = library, ["DIPPER_FAKE_EDGETPU_CONFIG"] = config };
    }

    public void Dispose() => _folders.Dispose();

    [Fact]
    public async Task Basecall_says_the_tpu_has_no_model_and_calls_on_the_cpu()
    {
        var output = Path.Combine(_folders.Root, "calls.fastq");
        using var basecall = new DipperdProcess(["basecall", TestFolders.SampleFiles(1)[0], "-o", output, "--greedy"], _tpuPresent);
        Assert.True(await basecall.WaitForExitAsync(TimeSpan.FromMinutes(2)), basecall.Output);

        Assert.Equal(0, basecall.ExitCode);
        Assert.Contains(Notice, basecall.Output);
        Assert.Contains("runs on the CPU", basecall.Output);
        Assert.Contains("engine onnx (auto)", basecall.Output);
        Assert.StartsWith("@", File.ReadAllText(output));
    }

    [Fact]
    public async Task Basecall_of_a_pooled_package_whose_int8_part_is_not_compiled_for_the_tpu_says_so_and_calls_on_the_cpu()
    {
        var output = Path.Combine(_folders.Root, "pooled.fastq");
        var model = Path.Combine(AppContext.BaseDirectory, "data", "models", "sbonito-pooled-int8");
        using var basecall = new DipperdProcess(["basecall", TestFolders.SampleFiles(1)[0], "--model", model, "-o", output, "--greedy"], _tpuPresent);
        Assert.True(await basecall.WaitForExitAsync(TimeSpan.FromMinutes(2)), basecall.Output);

        Assert.Equal(0, basecall.ExitCode);
        Assert.Contains($"{Notice} (after-pooling_int8.tflite is not)", basecall.Output);
        Assert.Contains("engine onnx before the pooling, onnx (auto) after it", basecall.Output);
        Assert.StartsWith("@", File.ReadAllText(output));
    }

    [Fact]
    public async Task Run_says_so_at_start_and_on_the_status_page()
    {
        using var run = new DipperdProcess(
        [
            "run", "--input", _folders.Input, "--output", _folders.Output, "--state", _folders.State, "--config", _folders.Config,
            "--greedy", "--threads", "1", "--status-port", "0",
        ], _tpuPresent);
        Assert.True(await run.WaitForOutputAsync("status page at", TimeSpan.FromMinutes(1)), run.Output);
        Assert.True(await run.WaitForOutputAsync(Notice, TimeSpan.FromSeconds(30)), run.Output);

        var address = StatusAddress().Match(run.Output).Value;
        using var http = new HttpClient { BaseAddress = new Uri(address) };
        var status = await http.GetFromJsonAsync<JsonElement>("/status");
        Assert.StartsWith(Notice, status.GetProperty("engineNotice").GetString());
        Assert.Equal("onnx", status.GetProperty("engine").GetString());
        var page = await http.GetStringAsync("/");
        Assert.Contains("id=\"engine-notice\"", page);
        Assert.Contains("s.engineNotice", page);
        await run.TerminateAsync(TimeSpan.FromSeconds(30));
    }

    [GeneratedRegex(@"http://127\.0\.0\.1:\d+")]
    private static partial Regex StatusAddress();
}
