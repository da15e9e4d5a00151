using Dipper.Basecaller.Inference;
using Dipper.Basecaller.Models;
using Dipper.Basecaller.Pipeline;

namespace Dipper.Basecaller.Tests.Models;

/// <summary><c>--chunk</c>/<c>--overlap</c>: another chunking laid over the manifest's, checked by the manifest's own rules.</summary>
public sealed class ModelPackageChunkTests
{
    private static ModelPackage Committed => ModelPackage.Load(PackageFixture.Committed);

    [Fact]
    public void Chunk_and_overlap_replace_the_manifests_and_keep_everything_else()
    {
        var package = Committed;
        var longer = package.WithChunk(3600, 300);

        Assert.Equal(3600, longer.Manifest.Chunk.Samples);
        Assert.Equal(300, longer.Manifest.Chunk.Overlap);
        Assert.Equal(3300, ChunkLayout.From(longer.Manifest).Step);
        Assert.Equal(package.Manifest.Name, longer.Manifest.Name);
        Assert.Equal(package.OnnxPath, longer.OnnxPath);
        // The package itself is untouched: other runs still get the manifest's chunks.
        Assert.Equal(1800, package.Manifest.Chunk.Samples);
        Assert.Equal(600, package.Manifest.Chunk.Overlap);
    }

    [Fact]
    public void Chunk_alone_keeps_the_manifests_overlap_and_nothing_keeps_the_package()
    {
        var package = Committed;
        Assert.Equal(600, package.WithChunk(5400, null).Manifest.Chunk.Overlap);
        Assert.Equal(1800, package.WithChunk(null, 300).Manifest.Chunk.Samples);
        Assert.Same(package, package.WithChunk(null, null));
    }

    [Theory]
    [InlineData(3601, 600, "chunk size 3601 must be a positive multiple of the stride 3")]
    [InlineData(1800, 500, "overlap 500 must be a multiple of twice the stride (6)")]
    [InlineData(1800, 1800, "overlap 1800 must be at least 0 and smaller than the chunk (1800)")]
    public void Chunking_that_does_not_fall_on_whole_frames_is_refused_saying_why(int samples, int overlap, string why)
    {
        var e = Assert.Throws<ArgumentException>(() => Committed.WithChunk(samples, overlap));
        Assert.Contains(why, e.Message);
        Assert.Contains("sbonito_80_bb_swish", e.Message);
    }

    [Fact]
    public void Onnx_engine_runs_the_longer_chunks_of_a_package_cut_otherwise()
    {
        // The bundled ONNX model's input length is dynamic: the engine follows the package's chunk.
        var package = Committed.WithChunk(3600, 600);
        using var engine = EngineFactory.WithBuiltInEngines().Create("onnx", package, new InferenceEngineOptions { Batch = 2 });
        Assert.Equal(3600, engine.ChunkSamples);
        Assert.Equal(1200, engine.FramesPerChunk);
        var logProbs = new float[2 * engine.FramesPerChunk * engine.Classes];
        var signal = new float[2 * 3600];
        for (var i = 0; i < signal.Length; i++) signal[i] = MathF.Sin(i * 0.05f);
        engine.Infer(signal, 2, logProbs);
        // Every frame a distribution over the classes: the exp of the log-probabilities sums to 1.
        for (var f = 0; f < 2 * engine.FramesPerChunk; f++)
        {
            var sum = 0.0;
            for (var c = 0; c < engine.Classes; c++) sum += Math.Exp(logProbs[f * engine.Classes + c]);
            Assert.InRange(sum, 0.999, 1.001);
        }
    }
}
