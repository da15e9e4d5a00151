using System.Runtime.InteropServices;
using Dipper.Basecaller.Inference;
using Dipper.Basecaller.Models;
using Dipper.Basecaller.Tests.Decoding;

namespace Dipper.Basecaller.Tests.Inference;

/// <summary>The ONNX Runtime engine on the bundled default model (models/sbonito, copied into the test output).</summary>
public sealed class OnnxRuntimeEngineTests : IDisposable
{
    private static readonly string PackageFolder = Path.Combine(AppContext.BaseDirectory, "models", "sbonito");
    private readonly OnnxRuntimeEngine _engine = new(ModelPackage.Load(PackageFolder), new InferenceEngineOptions { Threads = 1, Batch = 8 });

    public void Dispose() => _engine.Dispose();

    private static float[] Floats(string name) =>
        MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(Path.Combine(SbonitoReference.Folder, name))).ToArray();

    [Fact]
    public void Engine_reports_the_packages_chunk_geometry()
    {
        Assert.Equal("onnx", _engine.Name);
        Assert.Equal(1800, _engine.ChunkSamples);
        Assert.Equal(600, _engine.FramesPerChunk);
        Assert.Equal(5, _engine.Classes);
        Assert.Equal(8, _engine.MaxBatch);
    }

    [Fact]
    public void First_windows_of_the_reference_reads_match_pytorch_within_1e_3()
    {
        // The three reference windows in one batch, behind a zero chunk so they are not all in slot 0.
        var input = new float[4 * 1800];
        var output = new float[4 * 3000];
        for (var r = 0; r < 3; r++) Floats($"read{r}.window0.f32").CopyTo(input, (r + 1) * 1800);
        _engine.Infer(input, 4, output);
        for (var r = 0; r < 3; r++)
        {
            var expected = Floats($"read{r}.window0_logprobs.f32");
            var worst = 0.0;
            for (var i = 0; i < expected.Length; i++) worst = Math.Max(worst, Math.Abs(expected[i] - output[(r + 1) * 3000 + i]));
            Assert.True(worst <= 1e-3, $"read {r}: max |Δ log-prob| {worst}");
        }
    }

    [Fact]
    public void A_chunk_gives_the_same_output_whatever_the_batch_size_and_slot()
    {
        var window = Floats("read1.window0.f32");
        var alone = new float[3000];
        _engine.Infer(window, 1, alone);

        var input = new float[8 * 1800];
        window.CopyTo(input, 5 * 1800);
        var output = new float[8 * 3000];
        _engine.Infer(input, 8, output);
        Assert.Equal(alone, output.AsSpan(5 * 3000, 3000).ToArray());

        // And again with a batch size used before, so the cached tensors are reused.
        var again = new float[3000];
        _engine.Infer(window, 1, again);
        Assert.Equal(alone, again);
    }

    [Fact]
    public void A_short_chunk_gives_the_padded_chunks_frames_except_within_the_networks_reach_of_its_end()
    {
        // The read's first 960 samples alone, and the same samples zero-padded to a whole chunk as a read's last chunk used to be.
        // The network's padding at the short chunk's end replaces the zeros within its reach: measured, the last 133 frames
        // (26 depthwise layers of 11 taps after the stride-3 stem reach 130 frames each way).
        const int shortSamples = 960, shortFrames = 320, reach = 140;
        var window = Floats("read1.window0.f32");
        var padded = new float[1800];
        window.AsSpan(0, shortSamples).CopyTo(padded);
        var whole = new float[3000];
        _engine.Infer(padded, 1, whole);
        var alone = new float[shortFrames * 5];
        Assert.True(_engine.TakesShorterChunks);
        _engine.Infer(window.AsSpan(0, shortSamples), 1, shortSamples, alone);

        var worstFar = 0.0;
        var differing = 0;
        for (var t = 0; t < shortFrames; t++)
        {
            var delta = 0.0;
            for (var c = 0; c < 5; c++) delta = Math.Max(delta, Math.Abs(whole[t * 5 + c] - alone[t * 5 + c]));
            if (t < shortFrames - reach) worstFar = Math.Max(worstFar, delta);
            if (delta > 1e-4) differing++;
        }
        Assert.True(worstFar <= 1e-4, $"max |Δ log-prob| {worstFar} more than {reach} frames from the end");
        Assert.InRange(differing, 1, reach);
    }

    [Fact]
    public void A_chunk_that_is_not_whole_frames_or_longer_than_the_models_is_refused()
    {
        var output = new float[3000];
        Assert.Throws<ArgumentOutOfRangeException>(() => _engine.Infer(new float[1000], 1, 1000, output));
        Assert.Throws<ArgumentOutOfRangeException>(() => _engine.Infer(new float[2 * 1800], 1, 2 * 1800, new float[6000]));
    }

    [Fact]
    public void More_chunks_than_the_batch_holds_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _engine.Infer(new float[9 * 1800], 9, new float[9 * 3000]));
    }
}
