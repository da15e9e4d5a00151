using Dipper.Basecaller.Models;
using Dipper.Basecaller.Pipeline;
using Dipper.Basecaller.Signal;
using Dipper.Tpu.Engines;
using Dipper.Tpu.Lite;
using Dipper.Tpu.Native;
using Dipper.Tpu.Tests.Engines;
using Dipper.Tpu.Tests.Support;

namespace Dipper.Tpu.Tests.Lite;

public sealed class XnnPackDelegateTests
{
    private static readonly string Int8Package = Path.Combine(AppContext.BaseDirectory, "data", "models", "sbonito-int8");
    private static readonly string Read = Path.Combine(AppContext.BaseDirectory, "data", "r94-ecoli", "read4268.fast5");

    public XnnPackDelegateTests() => TfliteLibrary.Require();

    [Fact]
    public void The_shipped_library_gives_default_options_of_no_thread_pool_and_float_operators_only()
    {
        TfliteRuntime.EnsureLoaded();
        // Returned by value in one register: a wrong struct size would read garbage or corrupt the stack here.
        var defaults = TfLiteNative.TfLiteXNNPackDelegateOptionsDefault();
        Assert.Equal(0, defaults.NumThreads);
        Assert.Equal(0u, defaults.Flags);
        Assert.Empty(XnnPackDelegate.MissingExports(TfliteRuntime.Locate().LoadedFrom!));
    }

    [Fact]
    public void The_delegate_is_created_with_its_threads_and_int8_operators()
    {
        using var xnnPack = XnnPackDelegate.Create(threads: 2);
        Assert.Equal(2, xnnPack.Threads);
        Assert.True(xnnPack.Quantised);
        Assert.False(xnnPack.Handle.IsInvalid);
    }

    [Fact]
    public void Float_engine_on_xnnpack_gives_the_log_softmax_of_the_dense_layer()
    {
        using var model = TfliteModel.FromBytes(EngineModels.Float(batch: 2));
        using var engine = new TfliteEngine(model, new TfliteEngineOptions { XnnPack = true });
        var signal = EngineModels.Signal(2, seed: 7);
        var logProbs = new float[2 * EngineModels.Frames * EngineModels.Classes];
        engine.Infer(signal, 2, logProbs);
        TfliteEngineTests.AssertLogProbs(signal, logProbs, 2);
    }

    [Fact]
    public async Task Xnnpack_calls_real_chunks_with_the_int8_model_as_the_built_in_kernels_do()
    {
        var package = ModelPackage.Load(Int8Package);
        var chunks = await RealChunksAsync(package.Manifest, count: 8);
        using var model = TfliteModel.FromFile(package.TflitePath!);
        using var builtIn = new TfliteEngine(model);
        using var xnnPack = new TfliteEngine(model, new TfliteEngineOptions { XnnPack = true });
        var expected = new float[8 * builtIn.FramesPerChunk * builtIn.Classes];
        var actual = new float[expected.Length];
        builtIn.Infer(chunks, 8, expected);
        xnnPack.Infer(chunks, 8, actual);

        // Two int8 computations of a 50-layer network round differently at every layer, so single values drift apart by
        // several output steps (measured: 0.2 mean, 93 % of frames agreeing on this read) while the calls agree:
        // each is as close to the float model as the other (93.89 % and 93.85 % of frames agree with its most likely
        // class on 32 chunks of the E. coli reads, docs/cpu-speed.md §5). The drift is also the proof that XNNPACK's kernels, not the built-in ones, computed
        // the batch (the C API cannot list which nodes a delegate took).
        var frames = expected.Length / builtIn.Classes;
        var agreeing = Enumerable.Range(0, frames).Count(f =>
            MostLikely(expected.AsSpan(f * builtIn.Classes, builtIn.Classes)) == MostLikely(actual.AsSpan(f * builtIn.Classes, builtIn.Classes)));
        var meanDifference = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Average();
        Assert.True(agreeing >= 0.9 * frames, $"{agreeing} of {frames} frames agree on the most likely class");
        Assert.InRange(meanDifference, 1e-4, 0.3);
    }

    private static int MostLikely(ReadOnlySpan<float> frame)
    {
        var best = 0;
        for (var c = 1; c < frame.Length; c++)
            if (frame[c] > frame[best]) best = c;
        return best;
    }

    [Fact]
    public void A_library_without_xnnpack_is_refused_naming_the_file_and_the_missing_functions()
    {
        // The libedgetpu test double built beside the tests: a real shared library that exports none of XNNPACK's functions.
        var library = Path.Combine(AppContext.BaseDirectory, "libedgetpu.so.1");
        Assert.True(File.Exists(library), $"{library}: the libedgetpu test double was not built (gcc missing?)");
        var e = Assert.Throws<XnnPackUnavailableException>(() => XnnPackDelegate.Require(library));
        Assert.Contains(library, e.Message);
        Assert.Contains("TfLiteXNNPackDelegateCreate", e.Message);
        Assert.Contains(XnnPackUnavailableException.Remedy, e.Message);
    }

    [Fact]
    public void A_file_that_does_not_load_lacks_every_function()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"dipper-none-{Guid.NewGuid():N}.so");
        Assert.Equal(XnnPackDelegate.Exports, XnnPackDelegate.MissingExports(missing));
    }

    /// <summary>The first chunks of a real read, normalised and cut as the pipeline cuts them.</summary>
    private static async Task<float[]> RealChunksAsync(ModelManifest manifest, int count)
    {
        var layout = ChunkLayout.From(manifest);
        await using var reader = SignalFile.Open(Read);
        await foreach (var read in reader.ReadAllAsync())
        {
            Assert.True(layout.ChunkCount(read.SampleCount) >= count, $"{Read}: the read is too short for {count} chunks");
            var normalised = new float[read.SampleCount];
            new Normaliser(manifest.Normalisation).Normalise(read.Signal, normalised);
            var chunks = new float[count * layout.Samples];
            for (var i = 0; i < count; i++)
                normalised.AsSpan(layout.Start(i), layout.RealSamples(i, read.SampleCount)).CopyTo(chunks.AsSpan(i * layout.Samples));
            return chunks;
        }
        throw new InvalidDataException($"{Read}: no read");
    }
}
