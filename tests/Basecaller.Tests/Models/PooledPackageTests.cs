using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Dipper.Basecaller.Inference;
using Dipper.Basecaller.Models;
using Dipper.Basecaller.Pipeline;
using Dipper.Basecaller.Tests.Pipeline;
using Dipper.Tpu.Models;

namespace Dipper.Basecaller.Tests.Models;

/// <summary>
/// The manifest's pooling section: absent, a package is exactly as before; present, it names the two parts the package
/// must hold, and the pipeline and the appliance's activation treat the package as pooled: activation runs both parts
/// (with the host's pooling between them) and refuses a part that does not run, naming it.
/// </summary>
public sealed class PooledPackageTests : IDisposable
{
    private readonly PackageFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    private static JsonObject PoolingSection() => new()
    {
        ["scale"] = 1.0,
        ["meanMove"] = 1.0 / 3,
        ["features"] = 80,
        ["before"] = new JsonObject { ["onnx"] = "before-pooling.onnx", ["input"] = "signal", ["output"] = "frames" },
        ["after"] = new JsonObject { ["onnx"] = "after-pooling.onnx", ["input"] = "pooled", ["output"] = "logprobs" },
        ["window"] = new JsonObject { ["samples"] = 600, ["overlap"] = 300 },
    };

    /// <summary>A package folder with a pooling section whose two parts are stand-in files with their checksums.</summary>
    private string PooledPackage(bool withAfterPart = true)
    {
        var folder = _fixture.CopyOfDefault("pooled");
        File.Copy(Path.Combine(folder, "model.onnx"), Path.Combine(folder, "before-pooling.onnx"));
        if (withAfterPart) File.Copy(Path.Combine(folder, "model.onnx"), Path.Combine(folder, "after-pooling.onnx"));
        PackageFixture.EditManifest(folder, m =>
        {
            m["pooling"] = PoolingSection();
            var sums = new JsonObject();
            foreach (var part in new[] { "before-pooling.onnx", "after-pooling.onnx" }.Where(p => File.Exists(Path.Combine(folder, p))))
                sums[part] = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(folder, part))));
            m["files"] = new JsonObject { ["sha256"] = sums };
        });
        return folder;
    }

    [Fact]
    public void Manifest_of_a_model_without_pooling_is_written_back_as_it_was()
    {
        var committed = ModelPackage.Load(PackageFixture.Committed);
        var copy = Path.Combine(_fixture.Root, "rewritten");
        Directory.CreateDirectory(copy);

        ModelPackage.WriteManifest(copy, committed.Manifest);

        Assert.Null(committed.Manifest.Pooling);
        Assert.Null(committed.BeforePoolingPath);
        var original = JsonNode.Parse(File.ReadAllText(Path.Combine(PackageFixture.Committed, "manifest.json")));
        var written = JsonNode.Parse(File.ReadAllText(Path.Combine(copy, "manifest.json")));
        Assert.False(written!.AsObject().ContainsKey("pooling"));
        Assert.True(JsonNode.DeepEquals(original, written), written.ToJsonString());
    }

    [Fact]
    public void Pooled_manifest_without_a_tflite_part_is_written_back_as_it_was()
    {
        var committed = ModelPackage.Load(PackageFixture.CommittedPooled);
        var copy = Path.Combine(_fixture.Root, "rewritten-pooled");
        Directory.CreateDirectory(copy);

        ModelPackage.WriteManifest(copy, committed.Manifest);

        var after = committed.Manifest.Pooling!.After;
        Assert.Equal((null, null, null, false, null), (after.Tflite, after.TfliteInput, after.TfliteOutput, after.TfliteOutputIsLogits, after.TfliteEdgeTpu));
        Assert.Null(committed.AfterPoolingPart!.TflitePath);
        var original = JsonNode.Parse(File.ReadAllText(Path.Combine(PackageFixture.CommittedPooled, "manifest.json")));
        var written = JsonNode.Parse(File.ReadAllText(Path.Combine(copy, "manifest.json")));
        Assert.Equal(["onnx", "input", "output"], written!["pooling"]!["after"]!.AsObject().Select(p => p.Key));
        Assert.True(JsonNode.DeepEquals(original, written), written.ToJsonString());
    }

    [Fact]
    public void Part_after_the_pooling_is_a_package_of_its_own_cut_into_windows_of_pooled_frame_values()
    {
        var package = ModelPackage.Load(PackageFixture.CommittedPooled);

        var part = package.AfterPoolingPart!;

        // Chunks count input values, as ChunkLayout.AfterPooling cuts the frames-major pooled frames: 600 frames × 80 features.
        Assert.Equal((600 * 80, 300 * 80, 80), (part.Manifest.Chunk.Samples, part.Manifest.Chunk.Overlap, part.Manifest.Stride));
        Assert.Equal(ChunkLayout.AfterPooling(package.Manifest), ChunkLayout.From(part.Manifest));
        Assert.Equal(package.AfterPoolingPath, part.OnnxPath);
        Assert.Null(part.Manifest.Pooling);
        Assert.Equal(NetworkTensors.AfterPooling(package.Manifest), part.Network);
        using var engine = new OnnxRuntimeEngine(part, new InferenceEngineOptions { Threads = 1, Batch = 2 });
        Assert.Equal((600 * 80, 600, 5), (engine.ChunkSamples, engine.FramesPerChunk, engine.Classes));
        Assert.Null(ModelPackage.Load(PackageFixture.Committed).AfterPoolingPart);
    }

    [Fact]
    public void Pooled_manifest_naming_a_tflite_model_for_the_part_before_the_pooling_is_refused()
    {
        var folder = PooledPackage();
        PackageFixture.EditManifest(folder, m => m["pooling"]!["before"]!["tflite"] = "before.tflite");

        var e = Assert.Throws<InvalidDataException>(() => ModelPackage.Load(folder));

        Assert.Contains("runs on ONNX Runtime only", e.Message);
    }

    [Fact]
    public void Pooled_package_is_read_with_its_two_parts_and_windows()
    {
        var package = ModelPackage.Load(PooledPackage());

        var pooling = package.Manifest.Pooling!;
        Assert.Equal(Path.Combine(package.Directory, "before-pooling.onnx"), package.BeforePoolingPath);
        Assert.Equal(Path.Combine(package.Directory, "after-pooling.onnx"), package.AfterPoolingPath);
        Assert.Null(package.OnnxPath);
        Assert.Equal(80, pooling.Features);
        // Windows over the pooled frames laid out frames-major: 600 frames of 80 values, 150 frames trimmed per inner edge.
        var windows = ChunkLayout.AfterPooling(package.Manifest);
        Assert.Equal(600, windows.FramesPerChunk);
        Assert.Equal(150, windows.TrimFrames);
        Assert.Equal(1000, windows.ReadFrames(1000 * 80));
        Assert.Equal(3, windows.ChunkCount(1000 * 80));
        var chunks = ChunkLayout.BeforePooling(package.Manifest);
        Assert.Equal(1800, chunks.FramesPerChunk);
        Assert.Equal(300, chunks.TrimFrames);
    }

    [Fact]
    public void Pooled_package_missing_a_part_is_refused_naming_it()
    {
        var folder = PooledPackage(withAfterPart: false);

        var e = Assert.Throws<InvalidDataException>(() => ModelPackage.Load(folder));

        Assert.Contains("after-pooling.onnx", e.Message);
    }

    [Fact]
    public void Pooled_package_with_windows_that_trim_no_whole_frames_is_refused()
    {
        var folder = PooledPackage();
        PackageFixture.EditManifest(folder, m => m["pooling"]!["window"]!["overlap"] = 301);

        var e = Assert.Throws<InvalidDataException>(() => ModelPackage.Load(folder));

        Assert.Contains("pooled windows: overlap 301", e.Message);
    }

    [Fact]
    public void Pooled_package_passes_validation_with_a_test_inference_of_both_parts()
    {
        var folder = _fixture.CopyOf(PackageFixture.CommittedPooled, "pooled-real");

        var package = ModelPackageValidator.Validate(folder, new TfliteTestInference());

        Assert.NotNull(package.Manifest.Pooling);
        Assert.Equal(Path.Combine(package.Directory, "after-pooling.onnx"), package.AfterPoolingPath);
    }

    [Fact]
    public void Pooled_package_whose_part_gives_other_tensors_than_the_manifest_says_is_refused_naming_it()
    {
        // The stand-in parts are the whole default model: it has no output 'frames' and takes no pooled frames.
        var folder = PooledPackage();

        var e = Assert.Throws<ModelPackageRejectedException>(() => ModelPackageValidator.Validate(folder, new TfliteTestInference()));

        Assert.Contains("before-pooling.onnx does not run in ONNX Runtime", e.Message);
        Assert.Contains("no output 'frames'", e.Message);
    }

    [Fact]
    public void Pooled_part_that_onnx_runtime_cannot_load_is_refused_naming_it_even_with_a_matching_checksum()
    {
        var folder = _fixture.CopyOf(PackageFixture.CommittedPooled, "pooled-truncated");
        var part = Path.Combine(folder, "after-pooling.onnx");
        File.WriteAllBytes(part, File.ReadAllBytes(part)[..(int)(new FileInfo(part).Length / 2)]);
        PackageFixture.UpdateChecksum(folder, "after-pooling.onnx");

        var e = Assert.Throws<ModelPackageRejectedException>(() => ModelPackageValidator.Validate(folder, new TfliteTestInference()));

        Assert.Contains("after-pooling.onnx does not run in ONNX Runtime", e.Message);
    }

    [Fact]
    public void Pooled_part_with_a_flipped_bit_is_refused_by_its_checksum_naming_it()
    {
        var folder = _fixture.CopyOf(PackageFixture.CommittedPooled, "pooled-flipped");
        PackageFixture.FlipByte(Path.Combine(folder, "before-pooling.onnx"));

        var e = Assert.Throws<ModelPackageRejectedException>(() => ModelPackageValidator.Validate(folder, new TfliteTestInference()));

        Assert.Contains("before-pooling.onnx: SHA-256 is", e.Message);
    }

    [Fact]
    public void Pooled_part_without_a_checksum_is_refused()
    {
        var folder = PooledPackage();
        PackageFixture.EditManifest(folder, m => m["files"]!["sha256"]!.AsObject().Remove("after-pooling.onnx"));

        var e = Assert.Throws<ModelPackageRejectedException>(() => ModelPackageValidator.VerifyChecksums(ModelPackage.Load(folder)));

        Assert.Contains("after-pooling.onnx has no SHA-256", e.Message);
    }

    [Fact]
    public void Pipeline_takes_engines_after_pooling_only_for_a_pooled_model()
    {
        var plain = TestManifests.Sbonito();
        using var engine = new FrameFunctionEngine(1800, 4);

        var extra = Assert.Throws<ArgumentException>(() => new BasecallPipeline(plain, [engine], [engine]));
        Assert.Contains("has no dynamic pooling", extra.Message);

        var pooled = ModelPackage.Load(PooledPackage()).Manifest;
        var missing = Assert.Throws<ArgumentException>(() => new BasecallPipeline(pooled, [engine]));
        Assert.Contains("engines for the part after the pooling are needed", missing.Message);
    }
}
