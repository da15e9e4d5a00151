using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dipper.Basecaller.Inference;
using Dipper.Basecaller.Models;
using Dipper.Basecaller.Output;
using Dipper.Basecaller.Tests.Models;
using Dipper.Device.Commands;
using Dipper.Device.Service;
using Dipper.Device.Tests.Commands;
using Xunit.Abstractions;

namespace Dipper.Device.Tests.Service;

/// <summary>
/// <c>dipperd run</c> with a pooled model (tests/data/models/sbonito-pooled, as <c>dipper pool</c> writes it) made the
/// active model by <c>dipperd activate-model</c>: both parts on ONNX Runtime whatever <c>Service:Engine</c> says, the
/// pooling on the host, the reads written once and equal to <c>dipperd basecall --model</c>'s.
/// </summary>
[Collection(nameof(ServiceRuns))]
public sealed partial class PooledModelServiceTests(ITestOutputHelper log) : IDisposable
{
    private readonly TestFolders _folders = new("dipper-pooled-");
    private readonly PackageFixture _packages = new();

    public void Dispose()
    {
        _folders.Dispose();
        _packages.Dispose();
    }

    /// <summary>Activates the committed pooled package (or <paramref name="package"/>) as dipper flash has the appliance do; returns the active link.</summary>
    private string ActivatePooled(string? package = null)
    {
        var errors = new StringWriter();
        var code = ActivateModelCommand.Run(package ?? PackageFixture.CommittedPooled,
            new ModelActivationOptions { ModelsRoot = _packages.ModelsRoot, Reload = ServiceReloadMode.Never }, TextWriter.Null, errors);
        Assert.True(code == 0, errors.ToString());
        return Path.Combine(_packages.ModelsRoot, ModelActivationOptions.ActiveLinkName);
    }

    private static async Task<long> LongestReadAsync(string[] files)
    {
        var longest = 0L;
        foreach (var file in files)
        {
            await using var reader = Basecaller.Signal.SignalFile.Open(file);
            await foreach (var read in reader.ReadAllAsync()) longest = Math.Max(longest, read.SampleCount);
        }
        return longest;
    }

    /// <summary>
    /// dipperd basecall --model on the files: each read's bases and its mean quality from the sequencing summary, and the
    /// chunks the first part computed (which tell how the reads were cut).
    /// </summary>
    private async Task<(Dictionary<string, (string Bases, double MeanQ)> Reads, long Chunks)> BasecallAsync(string model, string[] files, int? chunk, int? overlap)
    {
        var fastq = Path.Combine(_folders.Root, "basecall.fastq");
        var sequencingSummary = Path.Combine(_folders.Root, "basecall_summary.txt");
        var summary = Path.Combine(_folders.Root, "basecall.json");
        var errors = new StringWriter();
        var exit = await BasecallCommand.RunAsync(new BasecallSettings
        {
            Inputs = files, Output = fastq, SequencingSummary = sequencingSummary, Summary = summary, Model = model, Greedy = true, Threads = 1,
            Chunk = chunk, Overlap = overlap,
        }, errors, CancellationToken.None);
        log.WriteLine(errors.ToString());
        Assert.True(exit == 0, errors.ToString());
        var meanQ = SummaryColumn(sequencingSummary, "mean_qscore_template");
        var reads = FastqRecord.ReadAll(fastq).ToDictionary(r => r.ReadId, r => (r.Bases, double.Parse(meanQ[r.ReadId], CultureInfo.InvariantCulture)));
        using var figures = JsonDocument.Parse(File.ReadAllText(summary));
        return (reads, figures.RootElement.GetProperty("chunks").GetInt64());
    }

    private static Dictionary<string, string> SummaryColumn(string path, string column)
    {
        var lines = File.ReadAllLines(path);
        var columns = SequencingSummary.Columns.ToList();
        Assert.Equal(SequencingSummary.HeaderLine.TrimEnd('\n'), lines[0]);
        return lines.Skip(1).Select(l => l.Split('\t')).ToDictionary(f => f[columns.IndexOf("read_id")], f => f[columns.IndexOf(column)]);
    }

    [Theory]
    [InlineData(null, null, null)]
    [InlineData(3000, 900, 1L)]
    public async Task Service_calls_dropped_files_with_the_pooled_active_model_once_each_as_basecall_does(int? chunk, int? overlap, long? poolingBudget)
    {
        var model = ActivatePooled();
        var files = TestFolders.SampleFiles(3);
        var (expected, chunks) = await BasecallAsync(model, files, chunk, overlap);
        Assert.Equal(3, expected.Count);
        // A threshold between the reads' mean qualities, so MinKNOW's pass/fail split has reads on both sides.
        var qualities = expected.Values.Select(v => v.MeanQ).Order().ToList();
        var threshold = (qualities[0] + qualities[1]) / 2;
        Assert.True(qualities[0] < threshold && threshold < qualities[1], $"qualities {string.Join(", ", qualities)} do not split");

        foreach (var file in files) _folders.Put(file, Path.Combine("run1", "fast5_pass", Path.GetFileName(file)));
        // The service is told to use the Edge TPU: a pooled model runs on ONNX Runtime all the same.
        await using (var service = await InProcessService.StartAsync(
            _folders.Settings(["--Service:Engine=edgetpu", .. poolingBudget is { } budget ? [$"--Service:PoolingBudget={budget}"] : Array.Empty<string>()])
                with { Model = model, Chunk = chunk, Overlap = overlap, MinQScore = threshold }))
        {
            await service.WaitUntilAsync(t => t.FilesDone == files.Length, TimeSpan.FromMinutes(3));
            Assert.Equal(PooledModelEngines.EngineName, service.State.EngineName);
            // Cut as basecall cut them: Service:Chunk/Overlap cut the first part's chunks as --chunk/--overlap do.
            Assert.Equal(chunks, service.State.Counters!.ChunksInferred);
            // Service:PoolingBudget reaches the pipeline: a budget of one sample lets one read at a time into the first part.
            if (poolingBudget == 1) Assert.Equal(await LongestReadAsync(files), service.State.Counters.PeakSamplesBeforePooling);
            Assert.Empty(service.State.Problems.Snapshot());
        }

        var run = Path.Combine(_folders.Output, "run1");
        var passed = Directory.GetFiles(Path.Combine(run, "fastq_pass"), "*.fastq.gz").SelectMany(GzFastq.Read).ToList();
        var failedFolder = Path.Combine(run, "fastq_fail");
        var failed = Directory.Exists(failedFolder) ? Directory.GetFiles(failedFolder, "*.fastq.gz").SelectMany(GzFastq.Read).ToList() : [];
        var called = passed.Concat(failed).ToList();
        Assert.Equal(expected.Keys.Order(), called.Select(c => c.ReadId).Order()); // every read, once
        foreach (var (readId, bases) in called) Assert.Equal(expected[readId].Bases, bases);
        Assert.All(passed, r => Assert.True(expected[r.ReadId].MeanQ >= threshold, $"{r.ReadId} passed"));
        Assert.All(failed, r => Assert.True(expected[r.ReadId].MeanQ < threshold, $"{r.ReadId} failed"));
        Assert.NotEmpty(passed);
        Assert.NotEmpty(failed);

        var verdicts = SummaryColumn(Path.Combine(run, SequencingSummary.FileName), "passes_filtering");
        Assert.Equal(expected.Keys.Order(), verdicts.Keys.Order());
        foreach (var (readId, _) in passed) Assert.Equal("TRUE", verdicts[readId]);
        foreach (var (readId, _) in failed) Assert.Equal("FALSE", verdicts[readId]);
    }

    /// <summary>
    /// <c>dipperd run</c> with <paramref name="model"/> active and <c>Service:Engine</c> <paramref name="engine"/> until one dropped
    /// file is committed; its <c>/status</c> then, and everything it printed until it was stopped.
    /// </summary>
    private async Task<(JsonElement Status, string Output)> RunOneFileAsync(string model, string engine)
    {
        using var run = new DipperdProcess(
        [
            "run", "--input", _folders.Input, "--output", _folders.Output, "--state", _folders.State, "--config", _folders.Config,
            "--model", model, "--greedy", "--threads", "1", "--status-port", "0", $"--Service:Engine={engine}", "--Service:StabilityDelay=00:00:00.300",
        ]);
        Assert.True(await run.WaitForOutputAsync("status page at", TimeSpan.FromMinutes(1)), run.Output);
        _folders.Put(TestFolders.SampleFiles(1)[0], Path.Combine("run1", "a.fast5"));
        using var http = new HttpClient { BaseAddress = new Uri(StatusAddress().Match(run.Output).Value) };
        JsonElement status;
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        do
        {
            await Task.Delay(200);
            status = await http.GetFromJsonAsync<JsonElement>("/status");
            Assert.True(DateTime.UtcNow < deadline, $"no file committed: {status}\n{run.Output}");
        }
        while (!File.Exists(Path.Combine(_folders.Output, "run1", "a.fast5.fastq.gz")));
        status = await http.GetFromJsonAsync<JsonElement>("/status");
        await run.TerminateAsync(TimeSpan.FromSeconds(30));
        return (status, run.Output);
    }

    [Fact]
    public async Task Run_says_once_that_the_pooled_model_runs_on_onnx_runtime_and_the_status_page_lists_both_parts()
    {
        var (status, output) = await RunOneFileAsync(ActivatePooled(), "edgetpu");

        Assert.Equal("onnx", status.GetProperty("engine").GetString());
        var notice = status.GetProperty("engineNotice").GetString()!;
        Assert.Contains("pools dynamically: its two parts run on ONNX Runtime only", notice);
        Assert.Contains("Service:Engine is edgetpu", notice);
        var engines = status.GetProperty("engines").EnumerateArray().ToList();
        Assert.Equal([EngineSet.BeforePoolingMember, EngineSet.AfterPoolingMember], engines.Select(e => e.GetProperty("name").GetString()));
        Assert.All(engines, e => Assert.True(e.GetProperty("batches").GetInt64() > 0, e.ToString()));
        Assert.Single(Regex.Matches(output, Regex.Escape(notice)));
    }

    [Fact]
    public async Task Run_with_a_pooled_model_compiled_to_tflite_runs_its_part_after_the_pooling_on_the_engine_asked_for()
    {
        var (status, output) = await RunOneFileAsync(ActivatePooled(PackageFixture.CommittedPooledInt8), "tflite");

        log.WriteLine(output);
        Assert.Equal("onnx+tflite", status.GetProperty("engine").GetString());
        Assert.DoesNotContain("ONNX Runtime only", output);
        var engines = status.GetProperty("engines").EnumerateArray().ToList();
        Assert.Equal([EngineSet.BeforePoolingMember, EngineSet.AfterPoolingMemberOf("tflite")], engines.Select(e => e.GetProperty("name").GetString()));
        Assert.All(engines, e => Assert.True(e.GetProperty("batches").GetInt64() > 0, e.ToString()));
    }

    [GeneratedRegex(@"http://127\.0\.0\.1:\d+")]
    private static partial Regex StatusAddress();
}
