using Dipper.Basecaller.Inference;
using Dipper.Tpu.EdgeTpu;
using Dipper.Tpu.Engines;
using Dipper.Tpu.Lite;
using Dipper.Tpu.Tests.Support;

namespace Dipper.Tpu.Tests.Engines;

/// <summary>
/// The thermal governor's clock changes reach libedgetpu: the engine recreates its delegate with the new
/// "Performance" option between batches, and a batch already running finishes on the old delegate.
/// </summary>
[Collection(FakeEdgeTpuCollection.Name)]
public sealed class EdgeTpuPerformanceChangeTests : IDisposable
{
    private const int PerChunk = EngineModels.Frames * EngineModels.Classes;
    private readonly FakeEdgeTpu fake = new();

    public EdgeTpuPerformanceChangeTests()
    {
        TfliteLibrary.Require();
        fake.Plug(FakeEdgeTpu.Usb());
    }

    public void Dispose() => fake.Dispose();

    private static void InferAndCheck(IInferenceEngine engine, int chunks, int seed)
    {
        var signal = EngineModels.Signal(chunks, seed);
        var logProbs = new float[chunks * PerChunk];
        engine.Infer(signal, chunks, logProbs);
        TfliteEngineTests.AssertLogProbs(signal, logProbs, chunks);
    }

    [Fact]
    public void Stepping_down_recreates_the_delegate_with_the_new_performance_before_the_next_batch()
    {
        var setting = new EdgeTpuPerformanceSetting(EdgeTpuPerformance.Max);
        using var model = TfliteModel.FromBytes(EngineModels.EdgeTpu());
        var before = fake.CreateLog.Count;
        using var engine = EdgeTpuEngine.Create(model, FakeEdgeTpu.Usb(), new EdgeTpuEngineOptions { PerformanceSetting = setting, MaxBatch = 2 });
        InferAndCheck(engine, 2, seed: 1);

        setting.Level = EdgeTpuPerformance.High;
        Assert.Equal(EdgeTpuPerformance.Max, engine.Performance); // nothing happens until the next batch
        Assert.Equal(before + 1, fake.CreateLog.Count);
        var highInvokes = fake.InvokesAt("High");
        InferAndCheck(engine, 2, seed: 2);
        setting.Level = EdgeTpuPerformance.Medium;
        InferAndCheck(engine, 2, seed: 3);

        var created = fake.CreateLog.Skip(before).ToList();
        Assert.Equal(3, created.Count);
        Assert.EndsWith("options=Performance=Max -> delegate", created[0]);
        Assert.EndsWith("options=Performance=High -> delegate", created[1]);
        Assert.EndsWith("options=Performance=Medium -> delegate", created[2]);
        Assert.All(created, c => Assert.StartsWith("type=1;name=/sys/bus/usb/devices/2-1;", c));
        Assert.Equal(highInvokes + 2, fake.InvokesAt("High"));
        Assert.Equal(EdgeTpuPerformance.Medium, engine.Performance);
        Assert.Equal(2, engine.Reopenings);
        Assert.Equal(1, fake.LiveDelegates); // the old delegates were freed, not leaked
    }

    [Fact]
    public void Unchanged_setting_keeps_the_delegate()
    {
        var setting = new EdgeTpuPerformanceSetting(EdgeTpuPerformance.High);
        using var model = TfliteModel.FromBytes(EngineModels.EdgeTpu());
        using var engine = EdgeTpuEngine.Create(model, FakeEdgeTpu.Usb(), new EdgeTpuEngineOptions { PerformanceSetting = setting });
        var created = fake.DelegatesCreated;
        setting.Level = EdgeTpuPerformance.High;
        for (var i = 0; i < 3; i++) InferAndCheck(engine, 1, seed: i);
        Assert.Equal(created, fake.DelegatesCreated);
        Assert.Equal(0, engine.Reopenings);
    }

    [Fact]
    public async Task A_change_during_a_batch_applies_only_after_that_batch_finishes()
    {
        var setting = new EdgeTpuPerformanceSetting(EdgeTpuPerformance.Max);
        using var model = TfliteModel.FromBytes(EngineModels.EdgeTpu(batch: 1));
        using var engine = EdgeTpuEngine.Create(model, FakeEdgeTpu.Usb(), new EdgeTpuEngineOptions { PerformanceSetting = setting, MaxBatch = 8 });
        var atMax = fake.InvokesAt("Max");
        var atHigh = fake.InvokesAt("High");
        fake.InvokeDelay(25); // 8 chunks, one TPU invoke each: the batch takes about 200 ms

        var batch = Task.Factory.StartNew(() => InferAndCheck(engine, 8, seed: 4), TaskCreationOptions.LongRunning);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (fake.InvokesAt("Max") == atMax && DateTime.UtcNow < deadline) await Task.Delay(2);
        setting.Level = EdgeTpuPerformance.High; // the governor steps down in the middle of the batch
        await batch;
        fake.InvokeDelay(0);

        Assert.Equal(atMax + 8, fake.InvokesAt("Max")); // the whole batch ran on the old delegate
        Assert.Equal(atHigh, fake.InvokesAt("High"));
        InferAndCheck(engine, 8, seed: 5);
        Assert.Equal(atHigh + 8, fake.InvokesAt("High"));
        Assert.Equal(EdgeTpuPerformance.High, engine.Performance);
    }

    [Fact]
    public void A_tpu_that_cannot_be_reopened_fails_the_batch_and_recovers_when_it_can()
    {
        var setting = new EdgeTpuPerformanceSetting(EdgeTpuPerformance.Max);
        using var model = TfliteModel.FromBytes(EngineModels.EdgeTpu());
        using var engine = EdgeTpuEngine.Create(model, FakeEdgeTpu.Usb(), new EdgeTpuEngineOptions { PerformanceSetting = setting });
        fake.FailCreate();
        setting.Level = EdgeTpuPerformance.High;
        var e = Assert.Throws<InferenceException>(() => engine.Infer(EngineModels.Signal(1), 1, new float[PerChunk]));
        Assert.Equal("edgetpu:/sys/bus/usb/devices/2-1", e.Engine);
        Assert.Contains("could not be opened again at performance High", e.Message);
        Assert.Equal(0, fake.LiveDelegates);

        fake.FailCreate(false);
        InferAndCheck(engine, 1, seed: 6);
        Assert.EndsWith("options=Performance=High -> delegate", fake.CreateLog[^1]);
    }

    [Fact]
    public void Failover_reopens_a_returning_tpu_at_the_current_level()
    {
        var setting = new EdgeTpuPerformanceSetting(EdgeTpuPerformance.Max);
        var modelFile = Path.Combine(Path.GetTempPath(), $"dipper-edgetpu-{Guid.NewGuid():N}.tflite");
        File.WriteAllBytes(modelFile, EngineModels.EdgeTpu());
        try
        {
            using var engine = EdgeTpuFailover.Create(modelFile, [FakeEdgeTpu.Usb()],
                new EdgeTpuEngineOptions { PerformanceSetting = setting }, fallback: null,
                new FailoverOptions { RecheckInterval = TimeSpan.Zero });
            fake.Unplug(FakeEdgeTpu.Usb());
            Assert.Throws<InferenceException>(() => engine.Infer(EngineModels.Signal(1), 1, new float[PerChunk]));
            setting.Level = EdgeTpuPerformance.Medium; // stepped down while the TPU was out
            fake.Plug(FakeEdgeTpu.Usb());
            InferAndCheck(engine, 1, seed: 7);
            Assert.EndsWith("options=Performance=Medium -> delegate", fake.CreateLog[^1]);
        }
        finally
        {
            File.Delete(modelFile);
        }
    }
}
