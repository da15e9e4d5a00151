using System.Collections.Concurrent;
using Dipper.Basecaller.Inference;
using Dipper.Basecaller.Models;
using Dipper.Basecaller.Output;
using Dipper.Basecaller.Pipeline;
using Dipper.Basecaller.Tests.Models;
using Dipper.Device.Tests.Service;
using Dipper.Device.Thermal;
using Microsoft.Extensions.Time.Testing;

namespace Dipper.Device.Tests.Thermal;

/// <summary>
/// The thermal pause in the real pipeline (ONNX engine, real reads): above the hard limit no batch reaches
/// the engine, the reads wait where they are, and after cooling past the hysteresis every read is written.
/// </summary>
[Collection(nameof(ServiceRuns))]
public sealed class ThermalPauseTests : IDisposable
{
    private readonly FakeSysfs _sysfs = new();
    private readonly FakeTimeProvider _time = new();
    private readonly ThermalOptions _options;
    private readonly ThermalGovernor _governor;
    private readonly ThermalMonitor _monitor;
    private readonly string _zone;

    public ThermalPauseTests()
    {
        _options = new ThermalOptions { ThermalZoneRoot = _sysfs.ThermalRoot, ApexRoot = _sysfs.ApexRoot };
        _sysfs.Zone(0, "cpu-thermal", 50);
        _zone = Path.Combine(_sysfs.ThermalRoot, "thermal_zone0");
        _governor = new ThermalGovernor(_options, new RecordingPerformanceControl(), _time);
        _monitor = new ThermalMonitor(_options, _governor, _time);
    }

    public void Dispose()
    {
        _monitor.Dispose();
        _governor.Dispose();
        _sysfs.Dispose();
    }

    private void Poll(double celsius, int afterSeconds = 5)
    {
        FakeSysfs.SetTemp(_zone, celsius);
        _time.Advance(TimeSpan.FromSeconds(afterSeconds));
        _monitor.PollOnce();
    }

    private sealed class CollectingWriter : ICalledReadWriter
    {
        public ConcurrentDictionary<string, CalledRead> Reads { get; } = new();
        public string Path => "memory";
        public void Write(CalledRead read) => Assert.True(Reads.TryAdd(read.Read.ReadId, read), $"read {read.Read.ReadId} written twice");
        public void Commit() { }
        public void Dispose() { }
    }

    [Fact]
    public async Task Hot_box_stops_batches_and_after_cooling_every_read_is_written()
    {
        var package = ModelPackage.Load(PackageFixture.Committed);
        using var engine = new OnnxRuntimeEngine(package, new InferenceEngineOptions { Threads = 1, Batch = 8 });
        var pipeline = new BasecallPipeline(package.Manifest, [engine], new BasecallPipelineOptions { BeamWidth = 1, BatchGate = _governor });
        var files = TestFolders.SampleFiles(3);
        var writer = new CollectingWriter();
        var problems = new ConcurrentBag<ReadProblem>();

        Poll(88);
        Assert.True(_governor.State.Paused);
        var run = pipeline.RunAsync(files, writer, problems.Add);

        await WaitForAsync(() => pipeline.Counters.Chunks > 8, "the reads to be loaded and chunked while paused");
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(0, pipeline.Counters.Batches); // nothing reached the engine
        Assert.Empty(writer.Reads);

        Poll(82); // below the limit but not by the 5 °C hysteresis: still paused
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        Assert.True(_governor.State.Paused);
        Assert.Equal(0, pipeline.Counters.Batches);
        Assert.False(run.IsCompleted);

        Poll(79);
        Assert.False(_governor.State.Paused);
        await run.WaitAsync(TimeSpan.FromSeconds(120));

        Assert.Empty(problems);
        Assert.Equal(files.Length, writer.Reads.Count); // one read per sample file, none lost
        Assert.All(writer.Reads.Values, r => Assert.True(r.Sequence.Bases.Length > 100, $"{r.Read.ReadId}: {r.Sequence.Bases.Length} bases"));
        Assert.Equal(pipeline.Counters.Chunks, pipeline.Counters.ChunksInferred);
    }

    [Fact]
    public async Task A_pause_while_reads_are_being_called_holds_the_next_batch_and_loses_nothing()
    {
        var package = ModelPackage.Load(PackageFixture.Committed);
        using var engine = new OnnxRuntimeEngine(package, new InferenceEngineOptions { Threads = 1, Batch = 4 });
        var pipeline = new BasecallPipeline(package.Manifest, [engine], new BasecallPipelineOptions { BeamWidth = 1, BatchGate = _governor });
        var files = TestFolders.SampleFiles(4);
        var writer = new CollectingWriter();
        var problems = new ConcurrentBag<ReadProblem>();

        var run = pipeline.RunAsync(files, writer, problems.Add);
        await WaitForAsync(() => pipeline.Counters.Batches >= 2, "the first batches");
        Poll(90);
        var atPause = pipeline.Counters.Batches;
        await Task.Delay(TimeSpan.FromSeconds(1));
        // At most the batch that was already running when the pause came finishes.
        Assert.InRange(pipeline.Counters.Batches, atPause, atPause + 1);
        var held = pipeline.Counters.Batches;
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        Assert.Equal(held, pipeline.Counters.Batches);
        Assert.False(run.IsCompleted);
        Assert.True(pipeline.Counters.ChunksInferred < pipeline.Counters.Chunks, "reads are waiting for the engine");

        Poll(70);
        await run.WaitAsync(TimeSpan.FromSeconds(120));
        Assert.Empty(problems);
        Assert.Equal(files.Length, writer.Reads.Count);
        Assert.Equal(pipeline.Counters.Chunks, pipeline.Counters.ChunksInferred);
    }

    private static async Task WaitForAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(20);
        }
    }
}
