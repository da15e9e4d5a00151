using Dipper.Tpu.Engines;
using Dipper.Tpu.Lite;
using Dipper.Tpu.Tests.Support;

namespace Dipper.Tpu.Tests.Engines;

public sealed class TfliteEngineTests
{
    private const int PerChunk = EngineModels.Frames * EngineModels.Classes;

    public TfliteEngineTests() => TfliteLibrary.Require();

    [Fact]
    public void Float_engine_reports_the_models_shape_contract()
    {
        using var model = TfliteModel.FromBytes(EngineModels.Float(batch: 2));
        using var engine = new TfliteEngine(model);
        Assert.Equal("tflite", engine.Name);
        Assert.Equal(8, engine.ChunkSamples);
        Assert.Equal(2, engine.FramesPerChunk);
        Assert.Equal(3, engine.Classes);
        Assert.Equal(2, engine.MaxBatch);
    }

    [Fact]
    public void Float_engine_gives_the_log_softmax_of_the_dense_layer_for_every_chunk()
    {
        using var model = TfliteModel.FromBytes(EngineModels.Float(batch: 2));
        using var engine = new TfliteEngine(model, new TfliteEngineOptions { Threads = 2 });
        var signal = EngineModels.Signal(2);
        var logProbs = new float[2 * PerChunk];
        engine.Infer(signal, 2, logProbs);
        AssertLogProbs(signal, logProbs, 2);
    }

    [Fact]
    public void A_short_batch_is_padded_and_only_its_chunks_are_written()
    {
        using var model = TfliteModel.FromBytes(EngineModels.Float(batch: 2));
        using var engine = new TfliteEngine(model);
        var signal = EngineModels.Signal(1, seed: 5);
        var logProbs = new float[PerChunk + 1];
        logProbs[^1] = 42;
        engine.Infer(signal, 1, logProbs);
        AssertLogProbs(signal, logProbs, 1);
        Assert.Equal(42, logProbs[^1]);
    }

    [Fact]
    public void Calls_larger_than_the_model_batch_run_as_several_invokes()
    {
        using var model = TfliteModel.FromBytes(EngineModels.Float(batch: 2));
        using var engine = new TfliteEngine(model, new TfliteEngineOptions { MaxBatch = 5 });
        Assert.Equal(5, engine.MaxBatch);
        var signal = EngineModels.Signal(5, seed: 9);
        var logProbs = new float[5 * PerChunk];
        engine.Infer(signal, 5, logProbs);
        AssertLogProbs(signal, logProbs, 5);
    }

    [Fact]
    public void Int8_engine_quantises_the_signal_and_dequantises_the_output()
    {
        using var model = TfliteModel.FromBytes(EngineModels.Int8(batch: 2));
        using var engine = new TfliteEngine(model);
        var signal = EngineModels.Signal(2, seed: 3);
        var output = new float[2 * PerChunk];
        engine.Infer(signal, 2, output);
        for (var c = 0; c < 2; c++)
        {
            var expected = EngineModels.Logits(signal.AsSpan(c * 8, 8));
            for (var i = 0; i < PerChunk; i++)
            {
                // Inputs, weights and biases are exact in int8; only the output rounds, by at most half a step.
                Assert.InRange(output[c * PerChunk + i], expected[i] - EngineModels.Int8OutputScale / 2 - 1e-6, expected[i] + EngineModels.Int8OutputScale / 2 + 1e-6);
            }
        }
    }

    [Fact]
    public void Int8_model_ending_at_class_scores_gives_normalised_log_probabilities_when_the_manifest_says_so()
    {
        using var model = TfliteModel.FromBytes(EngineModels.Int8(batch: 2));
        using var engine = new TfliteEngine(model, new TfliteEngineOptions { OutputIsLogits = true });
        var signal = EngineModels.Signal(2, seed: 4);
        var output = new float[2 * PerChunk];
        engine.Infer(signal, 2, output);
        for (var c = 0; c < 2; c++)
        {
            var expected = EngineModels.LogProbs(signal.AsSpan(c * 8, 8));
            for (var f = 0; f < EngineModels.Frames; f++)
            {
                var frame = output.AsSpan(c * PerChunk + f * EngineModels.Classes, EngineModels.Classes).ToArray();
                Assert.Equal(0, Math.Log(frame.Sum(v => Math.Exp(v))), 1e-5); // logsumexp 0: probabilities sum to one
            }
            // Each dequantised score is off by at most half a step, so each log-probability by at most one step.
            for (var i = 0; i < PerChunk; i++)
                Assert.InRange(output[c * PerChunk + i], expected[i] - EngineModels.Int8OutputScale - 1e-5, expected[i] + EngineModels.Int8OutputScale + 1e-5);
        }
    }

    [Fact]
    public void Too_many_chunks_or_too_small_buffers_are_refused()
    {
        using var model = TfliteModel.FromBytes(EngineModels.Float(batch: 2));
        using var engine = new TfliteEngine(model);
        Assert.Throws<ArgumentOutOfRangeException>(() => engine.Infer(new float[24], 3, new float[18]));
        Assert.Throws<ArgumentException>(() => engine.Infer(new float[15], 2, new float[12]));
        Assert.Throws<ArgumentException>(() => engine.Infer(new float[16], 2, new float[11]));
    }

    [Fact]
    public void A_model_without_the_engine_shapes_is_refused_naming_the_tensor()
    {
        using var model = TfliteModel.FromBytes(TestModels.FloatConvDense(), "conv.tflite");
        var e = Assert.Throws<InvalidDataException>(() => new TfliteEngine(model));
        Assert.Contains("conv.tflite", e.Message);
        Assert.Contains("scores", e.Message);
    }

    [Fact]
    public void A_model_compiled_for_the_edge_tpu_is_refused_by_the_cpu_engine_with_the_reason()
    {
        using var model = TfliteModel.FromBytes(EngineModels.EdgeTpu(), "model_edgetpu.tflite");
        var e = Assert.Throws<InvalidDataException>(() => new TfliteEngine(model));
        Assert.Contains("edgetpu-custom-op", e.Message);
        Assert.Contains("Edge TPU", e.Message);
    }

    internal static void AssertLogProbs(float[] signal, float[] logProbs, int chunks)
    {
        for (var c = 0; c < chunks; c++)
        {
            var expected = EngineModels.LogProbs(signal.AsSpan(c * 8, 8));
            for (var i = 0; i < PerChunk; i++) Assert.Equal(expected[i], logProbs[c * PerChunk + i], tolerance: 1e-4);
        }
    }
}
