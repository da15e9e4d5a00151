using Dipper.Basecaller.Inference;
using Dipper.Tpu.EdgeTpu;
using Dipper.Tpu.Engines;
using Dipper.Tpu.Lite;
using Dipper.Tpu.Tests.Support;

namespace Dipper.Tpu.Tests.Engines;

[Collection(FakeEdgeTpuCollection.Name)]
public sealed class FailoverEngineTests : IDisposable
{
    private const int PerChunk = EngineModels.Frames * EngineModels.Classes;
    private static readonly EdgeTpuDevice TpuA = FakeEdgeTpu.Usb("2-1");
    private static readonly EdgeTpuDevice TpuB = FakeEdgeTpu.Usb("2-2");
    private static readonly FailoverOptions RecheckAlways = new() { RecheckInterval = TimeSpan.Zero };

    private readonly FakeEdgeTpu fake = new();
    private readonly string tpuModel = Path.Combine(Path.GetTempPath(), $"dipper-{Guid.NewGuid():N}_edgetpu.tflite");
    private readonly TfliteModel cpuModel;

    public FailoverEngineTests()
    {
        TfliteLibrary.Require();
        File.WriteAllBytes(tpuModel, EngineModels.EdgeTpu(batch: 1));
        cpuModel = TfliteModel.FromBytes(EngineModels.Float(batch: 2), "cpu.tflite");
    }

    public void Dispose()
    {
        cpuModel.Dispose();
        File.Delete(tpuModel);
        fake.Dispose();
    }

    [Fact]
    public void Batches_go_round_robin_over_the_tpus()
    {
        fake.Plug(TpuA).Plug(TpuB);
        using var engine = Create(TpuA, TpuB);
        for (var i = 0; i < 10; i++) Run(engine, chunks: 2, seed: i);
        var status = engine.Status();
        Assert.Equal([5L, 5L, 0L], status.Select(s => s.Batches));
        Assert.All(status, s => Assert.True(s.Healthy));
        Assert.Equal("failover[edgetpu:/sys/bus/usb/devices/2-1,edgetpu:/sys/bus/usb/devices/2-2,tflite]", engine.Name);
    }

    [Fact]
    public void A_batch_failed_by_a_pulled_tpu_is_recomputed_on_the_next_tpu_and_nothing_is_lost()
    {
        fake.Plug(TpuA).Plug(TpuB);
        using var engine = Create(TpuA, TpuB);
        Run(engine, chunks: 2, seed: 1); // A
        Run(engine, chunks: 2, seed: 2); // B
        fake.Unplug(TpuA);
        for (var i = 0; i < 6; i++) Run(engine, chunks: 2, seed: 10 + i); // A fails once, then B takes all

        Assert.Equal(1, engine.Retries);
        var a = engine.Status()[0];
        Assert.False(a.Healthy);
        Assert.Contains("was removed", a.LastError);
        Assert.Equal(1, a.Failures);
        Assert.Equal(1 + 6, engine.Status()[1].Batches);
    }

    [Fact]
    public void With_every_tpu_pulled_the_cpu_takes_over_and_a_replugged_tpu_is_taken_back()
    {
        fake.Plug(TpuA);
        var log = new List<string>();
        using var engine = Create([TpuA], RecheckAlways with { Log = log.Add });
        Run(engine, chunks: 2, seed: 1);
        fake.Unplug(TpuA);
        Run(engine, chunks: 2, seed: 2);
        Run(engine, chunks: 2, seed: 3);
        Assert.Equal([1L, 2L], engine.Status().Select(s => s.Batches));

        fake.Plug(TpuA);
        Run(engine, chunks: 2, seed: 4);
        Assert.Equal(1, engine.Recoveries);
        Assert.True(engine.Status()[0].Healthy);
        Assert.Equal(2, engine.Status()[0].Batches);
        Assert.Contains(log, l => l.Contains("is back in service"));
        Assert.Contains(log, l => l.Contains("trying the next engine"));
    }

    [Fact]
    public void A_failed_tpu_is_not_reopened_before_the_recheck_interval()
    {
        fake.Plug(TpuA);
        var clock = new ManualClock();
        using var engine = Create([TpuA], new FailoverOptions { RecheckInterval = TimeSpan.FromSeconds(5), Time = clock });
        fake.Unplug(TpuA);
        Run(engine, chunks: 1, seed: 1);
        fake.Plug(TpuA);
        clock.Advance(TimeSpan.FromSeconds(1));
        Run(engine, chunks: 1, seed: 2);
        Assert.False(engine.Status()[0].Healthy);
        clock.Advance(TimeSpan.FromSeconds(5));
        Run(engine, chunks: 1, seed: 3);
        Assert.True(engine.Status()[0].Healthy);
    }

    [Fact]
    public void A_recheck_can_be_requested_early_for_example_on_a_hotplug_event()
    {
        fake.Plug(TpuA);
        using var engine = Create([TpuA], new FailoverOptions { RecheckInterval = TimeSpan.FromHours(1) });
        fake.Unplug(TpuA);
        Run(engine, chunks: 1, seed: 1);
        fake.Plug(TpuA);
        engine.RequestRecheck();
        Run(engine, chunks: 1, seed: 2);
        Assert.True(engine.Status()[0].Healthy);
    }

    [Fact]
    public void Without_any_tpu_at_start_the_cpu_serves_and_the_tpus_say_why_they_are_out()
    {
        using var engine = Create(TpuA);
        Run(engine, chunks: 2, seed: 1);
        var a = engine.Status()[0];
        Assert.False(a.Healthy);
        Assert.Contains("Edge TPU usb:/sys/bus/usb/devices/2-1", a.LastError);
        Assert.Equal(1, engine.Status()[1].Batches);
    }

    [Fact]
    public void Without_any_engine_construction_fails_with_every_reason()
    {
        var e = Assert.Throws<InferenceException>(() => EdgeTpuFailover.Create(tpuModel, [TpuA], null, fallback: null));
        Assert.Contains("no engine could be opened", e.Message);
        Assert.Contains("2-1", e.Message);
    }

    [Fact]
    public void When_every_engine_fails_the_error_lists_each_failure()
    {
        fake.Plug(TpuA);
        using var engine = EdgeTpuFailover.Create(tpuModel, [TpuA], null, fallback: null, new FailoverOptions { RecheckInterval = TimeSpan.FromHours(1) });
        fake.Unplug(TpuA);
        var e = Assert.Throws<InferenceException>(() => engine.Infer(EngineModels.Signal(1), 1, new float[PerChunk]));
        Assert.Contains("every engine failed", e.Message);
        Assert.Contains("was removed", e.Message);
        e = Assert.Throws<InferenceException>(() => engine.Infer(EngineModels.Signal(1), 1, new float[PerChunk]));
        Assert.Contains("no engine is in service", e.Message);
    }

    [Fact]
    public void Engines_that_disagree_on_shapes_are_refused()
    {
        var same = new FailoverCandidate("same", () => CpuEngine(EngineModels.Float(batch: 1)), () => true);
        using (new FailoverEngine([same], CpuEngine(EngineModels.Float(batch: 2)))) { }

        var b = new TfliteModelBuilder();
        var x = b.Tensor("signal", Dipper.Tpu.Schema.TensorType.FLOAT32, [1, 8]);
        var w = b.Constant("w", [6, 8], new float[48]);
        var dense = b.Tensor("dense", Dipper.Tpu.Schema.TensorType.FLOAT32, [1, 6]);
        var shape = b.Constant("shape", [3], [1, 1, 6]);
        var y = b.Tensor("y", Dipper.Tpu.Schema.TensorType.FLOAT32, [1, 1, 6]);
        b.Operator(Dipper.Tpu.Schema.BuiltinOperator.FULLY_CONNECTED, [x, w, -1], [dense], Dipper.Tpu.Schema.BuiltinOptionsUnion.FromFullyConnectedOptions(new Dipper.Tpu.Schema.FullyConnectedOptionsT()));
        b.Operator(Dipper.Tpu.Schema.BuiltinOperator.RESHAPE, [dense, shape], [y]);
        var sixClasses = b.Signature([x], [y]).Build();
        var e = Assert.Throws<ArgumentException>(() => new FailoverEngine(
            [new FailoverCandidate("six classes", () => CpuEngine(sixClasses), () => true)], CpuEngine(EngineModels.Float(batch: 2))));
        Assert.Contains("1×6", e.Message);
    }

    [Fact]
    public void Concurrent_callers_lose_no_chunk_while_a_tpu_is_pulled()
    {
        fake.Plug(TpuA).Plug(TpuB);
        using var engine = Create(TpuA, TpuB);
        var failures = 0;
        var errors = new List<string>();
        var threads = Enumerable.Range(0, 4).Select(t => new Thread(() =>
        {
            for (var i = 0; i < 40; i++)
            {
                if (t == 0 && i == 10) fake.Unplug(TpuB);
                try
                {
                    Run(engine, chunks: 2, seed: t * 1000 + i);
                }
                catch (Exception e)
                {
                    Interlocked.Increment(ref failures);
                    lock (errors) errors.Add(e.ToString());
                }
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.True(failures == 0, string.Join("\n", errors));
        Assert.Equal(160, engine.Status().Sum(s => s.Batches));
    }

    private FailoverEngine Create(params EdgeTpuDevice[] tpus) => Create(tpus, new FailoverOptions { RecheckInterval = TimeSpan.FromHours(1) });

    private FailoverEngine Create(EdgeTpuDevice[] tpus, FailoverOptions options) =>
        EdgeTpuFailover.Create(tpuModel, tpus, new EdgeTpuEngineOptions { MaxBatch = 2 }, new TfliteEngine(cpuModel), options);

    private static TfliteEngine CpuEngine(byte[] model)
    {
        using var m = TfliteModel.FromBytes(model);
        return new TfliteEngine(m);
    }

    private static void Run(FailoverEngine engine, int chunks, int seed)
    {
        var signal = EngineModels.Signal(chunks, seed);
        var logProbs = new float[chunks * PerChunk];
        engine.Infer(signal, chunks, logProbs);
        TfliteEngineTests.AssertLogProbs(signal, logProbs, chunks);
    }

    private sealed class ManualClock : TimeProvider
    {
        private DateTimeOffset now = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => now;

        public void Advance(TimeSpan by) => now += by;
    }
}
