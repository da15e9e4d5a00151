using Dipper.Basecaller.Models;
using Dipper.Tpu.Models;

namespace Dipper.Basecaller.Tests.Models;

public sealed class ModelPackageValidatorTests : IDisposable
{
    private readonly PackageFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    [Fact]
    public void Committed_default_package_passes_checksums_and_test_inference()
    {
        var package = ModelPackageValidator.Validate(PackageFixture.Committed, new TfliteTestInference());
        Assert.Equal("sbonito_80_bb_swish", package.Manifest.Name);
    }

    [Fact]
    public void Flipped_byte_in_the_model_is_refused_naming_the_file()
    {
        var folder = _fixture.CopyOfDefault();
        PackageFixture.FlipByte(Path.Combine(folder, "model.onnx"));
        var e = Assert.Throws<ModelPackageRejectedException>(() => ModelPackageValidator.Validate(folder, new TfliteTestInference()));
        Assert.Contains("model.onnx: SHA-256", e.Message);
    }

    [Fact]
    public void Engine_file_without_a_checksum_is_refused()
    {
        var folder = _fixture.CopyOfDefault();
        PackageFixture.EditManifest(folder, m => m["files"]!["sha256"] = new System.Text.Json.Nodes.JsonObject());
        var e = Assert.Throws<ModelPackageRejectedException>(() => ModelPackageValidator.Validate(folder, new TfliteTestInference()));
        Assert.Contains("model.onnx has no SHA-256", e.Message);
    }

    [Fact]
    public void Checksum_entry_pointing_outside_the_package_is_refused()
    {
        var folder = _fixture.CopyOfDefault();
        PackageFixture.EditManifest(folder, m => m["files"]!["sha256"]!["../secret"] = "00");
        var e = Assert.Throws<ModelPackageRejectedException>(() => ModelPackageValidator.Validate(folder, new TfliteTestInference()));
        Assert.Contains("outside the package", e.Message);
    }

    [Fact]
    public void Model_whose_output_shape_disagrees_with_the_manifest_is_refused()
    {
        // Stride 6 would mean 300 frames per 1800-sample chunk; the network gives 600.
        var folder = _fixture.CopyOfDefault();
        PackageFixture.EditManifest(folder, m => m["stride"] = 6);
        var e = Assert.Throws<ModelPackageRejectedException>(() => ModelPackageValidator.Validate(folder, new TfliteTestInference()));
        Assert.Contains("[1, 600, 5]", e.Message);
        Assert.Contains("[1, 300, 5]", e.Message);
    }

    [Fact]
    public void Model_that_is_not_onnx_is_refused_even_with_a_matching_checksum()
    {
        var folder = _fixture.CopyOfDefault();
        var model = Path.Combine(folder, "model.onnx");
        File.WriteAllText(model, "not a model");
        var sum = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(model)));
        PackageFixture.EditManifest(folder, m => m["files"]!["sha256"]!["model.onnx"] = sum);
        var e = Assert.Throws<ModelPackageRejectedException>(() => ModelPackageValidator.Validate(folder, new TfliteTestInference()));
        Assert.Contains("does not run in ONNX Runtime", e.Message);
    }

    [Fact]
    public void Folder_without_a_manifest_is_refused()
    {
        var e = Assert.Throws<ModelPackageRejectedException>(() => ModelPackageValidator.Validate(_fixture.Root, new TfliteTestInference()));
        Assert.Contains("not a model package", e.Message);
    }
}
