using Dipper.Basecaller.Inference;
using Dipper.Tpu.EdgeTpu;
using Dipper.Tpu.Engines;
using Dipper.Tpu.Lite;
using Dipper.Tpu.Tests.Support;

namespace Dipper.Tpu.Tests.Engines;

[Collection(FakeEdgeTpuCollection.Name)]
public sealed class EdgeTpuEngineTests : IDisposable
{
    private const int PerChunk = EngineModels.Frames * EngineModels.Classes;
    private readonly FakeEdgeTpu fake = new();

    public EdgeTpuEngineTests() => TfliteLibrary.Require();

    public void Dispose() => fake.Dispose();

    [Fact]
    public void Compiled_model_runs_its_edge_tpu_op_on_the_tpu_and_the_rest_on_the_cpu()
    {
        fake.Plug(FakeEdgeTpu.Usb());
        using var model = TfliteModel.FromBytes(EngineModels.EdgeTpu(batch: 1));
        using var engine = EdgeTpuEngine.Create(model, FakeEdgeTpu.Usb(), new EdgeTpuEngineOptions { MaxBatch = 4 });
        Assert.Equal("edgetpu:/sys/bus/usb/devices/2-1", engine.Name);
        Assert.Equal(4, engine.MaxBatch);
        var invokes = fake.KernelInvokes;
        var signal = EngineModels.Signal(3, seed: 11);
        var logProbs = new float[3 * PerChunk];
        engine.Infer(signal, 3, logProbs);
        TfliteEngineTests.AssertLogProbs(signal, logProbs, 3);
        Assert.Equal(invokes + 3, fake.KernelInvokes); // batch-1 model: one TPU invoke per chunk
    }

    [Fact]
    public void A_model_ending_at_class_scores_gets_the_log_softmax_on_the_host()
    {
        fake.Plug(FakeEdgeTpu.Usb());
        using var model = TfliteModel.FromBytes(EngineModels.EdgeTpuLogits(batch: 1));
        var signal = EngineModels.Signal(2, seed: 12);
        var logProbs = new float[2 * PerChunk];
        using (var engine = EdgeTpuEngine.Create(model, FakeEdgeTpu.Usb(), new EdgeTpuEngineOptions { MaxBatch = 2, OutputIsLogits = true }))
            engine.Infer(signal, 2, logProbs);
        TfliteEngineTests.AssertLogProbs(signal, logProbs, 2);

        // Without the flag the same model hands out its raw scores, which are not log-probabilities.
        using var raw = EdgeTpuEngine.Create(model, FakeEdgeTpu.Usb(), new EdgeTpuEngineOptions { MaxBatch = 2 });
        raw.Infer(signal, 2, logProbs);
        Assert.Equal(EngineModels.Logits(signal.AsSpan(0, 8))[0], logProbs[0], 1e-4);
    }

    [Fact]
    public void Performance_and_bulk_in_queue_length_reach_libedgetpu()
    {
        fake.Plug(FakeEdgeTpu.Usb());
        using var model = TfliteModel.FromBytes(EngineModels.EdgeTpu());
        using var engine = EdgeTpuEngine.Create(model, FakeEdgeTpu.Usb(),
            new EdgeTpuEngineOptions { Performance = EdgeTpuPerformance.Low, UsbMaxBulkInQueueLength = 32 });
        Assert.EndsWith("options=Performance=Low,Usb.MaxBulkInQueueLength=32", fake.LastCreate);
    }

    [Fact]
    public void A_missing_tpu_fails_engine_creation_naming_the_tpu()
    {
        using var model = TfliteModel.FromBytes(EngineModels.EdgeTpu());
        var e = Assert.Throws<EdgeTpuException>(() => EdgeTpuEngine.Create(model, FakeEdgeTpu.Usb()));
        Assert.Contains("Edge TPU usb:/sys/bus/usb/devices/2-1", e.Message);
        Assert.Equal(0, fake.LiveDelegates);
    }

    [Fact]
    public void A_model_that_does_not_fit_the_contract_releases_the_tpu()
    {
        fake.Plug(FakeEdgeTpu.Usb());
        using var model = TfliteModel.FromBytes(TestModels.EdgeTpuIdentity());
        Assert.Throws<InvalidDataException>(() => EdgeTpuEngine.Create(model, FakeEdgeTpu.Usb()));
        Assert.Equal(0, fake.LiveDelegates);
    }

    [Fact]
    public void A_tpu_pulled_out_turns_into_an_inference_error_naming_the_engine()
    {
        fake.Plug(FakeEdgeTpu.Usb());
        using var model = TfliteModel.FromBytes(EngineModels.EdgeTpu());
        using var engine = EdgeTpuEngine.Create(model, FakeEdgeTpu.Usb());
        fake.Unplug(FakeEdgeTpu.Usb());
        var e = Assert.Throws<InferenceException>(() => engine.Infer(EngineModels.Signal(1), 1, new float[PerChunk]));
        Assert.Equal("edgetpu:/sys/bus/usb/devices/2-1", e.Engine);
        Assert.Contains("was removed", e.Message);
    }
}
