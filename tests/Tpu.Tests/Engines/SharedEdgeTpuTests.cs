using Dipper.Tpu.EdgeTpu;
using Dipper.Tpu.Engines;
using Dipper.Tpu.Lite;
using Dipper.Tpu.Tests.Support;

namespace Dipper.Tpu.Tests.Engines;

/// <summary>
/// Several threads, one TPU: libedgetpu opens a TPU once per process and runs a second delegate on it with the
/// first one's options, so the threads' engines share one delegate, and a thermal step recreates that one.
/// </summary>
[Collection(FakeEdgeTpuCollection.Name)]
public sealed class SharedEdgeTpuTests : IDisposable
{
    private const int PerChunk = EngineModels.Frames * EngineModels.Classes;
    private const int Threads = 3;
    private readonly FakeEdgeTpu fake = new();
    private readonly string modelFile = Path.Combine(Path.GetTempPath(), $"dipper-edgetpu-{Guid.NewGuid():N}.tflite");

    public SharedEdgeTpuTests()
    {
        TfliteLibrary.Require();
        fake.Plug(FakeEdgeTpu.Usb());
        File.WriteAllBytes(modelFile, EngineModels.EdgeTpu(batch: 1));
    }

    public void Dispose()
    {
        File.Delete(modelFile);
        fake.Dispose();
    }

    /// <summary>One engine per thread, as dipperd builds them: every TPU round-robin, all sharing <paramref name="tpus"/>.</summary>
    private List<FailoverEngine> ThreadEngines(SharedEdgeTpus tpus, EdgeTpuPerformanceSetting setting) =>
        Enumerable.Range(0, Threads)
            .Select(_ => EdgeTpuFailover.Create(modelFile, [FakeEdgeTpu.Usb()], new EdgeTpuEngineOptions { PerformanceSetting = setting, MaxBatch = 2 },
                fallback: null, tpus: tpus))
            .ToList();

    /// <summary>Every engine runs <paramref name="batches"/> batches of two chunks, all threads at once, and checks its output.</summary>
    private static void RunTogether(IReadOnlyList<FailoverEngine> engines, int batches, int seed)
    {
        using var start = new Barrier(engines.Count);
        var threads = engines.Select((engine, t) => Task.Factory.StartNew(() =>
        {
            start.SignalAndWait();
            for (var b = 0; b < batches; b++)
            {
                var signal = EngineModels.Signal(2, seed + 100 * t + b);
                var logProbs = new float[2 * PerChunk];
                engine.Infer(signal, 2, logProbs);
                TfliteEngineTests.AssertLogProbs(signal, logProbs, 2);
            }
        }, TaskCreationOptions.LongRunning)).ToArray();
        Task.WaitAll(threads);
    }

    [Fact]
    public void A_second_delegate_on_an_open_tpu_runs_with_the_first_ones_options()
    {
        // What libedgetpu does, and what the shared delegate avoids: two engines opening one TPU for themselves.
        using var model = TfliteModel.FromBytes(EngineModels.EdgeTpu());
        var ignored = fake.IgnoredOptions;
        using var first = EdgeTpuEngine.Create(model, FakeEdgeTpu.Usb(), new EdgeTpuEngineOptions { Performance = EdgeTpuPerformance.Max });
        using var second = EdgeTpuEngine.Create(model, FakeEdgeTpu.Usb(), new EdgeTpuEngineOptions { Performance = EdgeTpuPerformance.Low });
        var atMax = fake.InvokesAt("Max");
        var atLow = fake.InvokesAt("Low");

        second.Infer(EngineModels.Signal(1), 1, new float[PerChunk]);

        Assert.Equal(ignored + 1, fake.IgnoredOptions);
        Assert.EndsWith("options=Performance=Low -> delegate (device already open: options ignored, Performance=Max, not Low)", fake.CreateLog[^1]);
        Assert.Equal((atMax + 1, atLow), (fake.InvokesAt("Max"), fake.InvokesAt("Low")));
    }

    [Fact]
    public void Threads_on_one_tpu_create_exactly_one_delegate()
    {
        var tpus = new SharedEdgeTpus();
        var created = fake.DelegatesCreated;
        var ignored = fake.IgnoredOptions;
        var engines = ThreadEngines(tpus, new EdgeTpuPerformanceSetting(EdgeTpuPerformance.High));
        try
        {
            RunTogether(engines, batches: 4, seed: 1);

            Assert.Equal(created + 1, fake.DelegatesCreated);
            Assert.Equal(1, fake.LiveDelegates);
            Assert.Equal(ignored, fake.IgnoredOptions);
            Assert.Equal(1, tpus.For(FakeEdgeTpu.Usb()).DelegatesCreated);
            Assert.All(engines, e => Assert.Equal(4, e.Status()[0].Batches));
        }
        finally
        {
            foreach (var engine in engines) engine.Dispose();
        }
        Assert.Equal(0, fake.LiveDelegates); // the last engine to let go frees the delegate
    }

    [Fact]
    public void A_thermal_step_reaches_the_tpu_with_several_threads_running()
    {
        var tpus = new SharedEdgeTpus();
        var setting = new EdgeTpuPerformanceSetting(EdgeTpuPerformance.Max);
        var before = fake.CreateLog.Count;
        var ignored = fake.IgnoredOptions;
        var engines = ThreadEngines(tpus, setting);
        try
        {
            RunTogether(engines, batches: 3, seed: 2);
            var atLow = fake.InvokesAt("Low");
            var atMax = fake.InvokesAt("Max");

            setting.Level = EdgeTpuPerformance.Low; // the governor steps down while every thread keeps calling
            RunTogether(engines, batches: 3, seed: 3);

            var created = fake.CreateLog.Skip(before).ToList();
            Assert.Equal(2, created.Count);
            Assert.EndsWith("options=Performance=Max -> delegate", created[0]);
            Assert.EndsWith("options=Performance=Low -> delegate", created[1]); // not "options ignored"
            Assert.Equal(ignored, fake.IgnoredOptions);
            Assert.Equal(atLow + Threads * 3 * 2, fake.InvokesAt("Low")); // every chunk after the step ran at Low
            Assert.Equal(atMax, fake.InvokesAt("Max"));
            Assert.Equal(1, fake.LiveDelegates);
            Assert.Equal(EdgeTpuPerformance.Low, tpus.For(FakeEdgeTpu.Usb()).Performance);
        }
        finally
        {
            foreach (var engine in engines) engine.Dispose();
        }
    }

    [Fact]
    public void A_tpu_that_failed_a_batch_is_opened_anew_for_every_thread_when_it_returns()
    {
        var tpus = new SharedEdgeTpus();
        var setting = new EdgeTpuPerformanceSetting(EdgeTpuPerformance.High);
        var engines = Enumerable.Range(0, 2)
            .Select(_ => EdgeTpuFailover.Create(modelFile, [FakeEdgeTpu.Usb()], new EdgeTpuEngineOptions { PerformanceSetting = setting, MaxBatch = 2 },
                fallback: null, new FailoverOptions { RecheckInterval = TimeSpan.Zero }, tpus))
            .ToList();
        try
        {
            var ignored = fake.IgnoredOptions;
            fake.Unplug(FakeEdgeTpu.Usb());
            Assert.Throws<Basecaller.Inference.InferenceException>(() => engines[0].Infer(EngineModels.Signal(1), 1, new float[PerChunk]));
            Assert.Equal(0, fake.LiveDelegates); // the failed delegate is closed for every thread, not kept open by the other one
            setting.Level = EdgeTpuPerformance.Medium;
            fake.Plug(FakeEdgeTpu.Usb());

            RunTogether(engines, batches: 2, seed: 4);

            Assert.EndsWith("options=Performance=Medium -> delegate", fake.CreateLog[^1]);
            Assert.Equal(ignored, fake.IgnoredOptions);
            Assert.Equal(1, fake.LiveDelegates);
        }
        finally
        {
            foreach (var engine in engines) engine.Dispose();
        }
    }
}
