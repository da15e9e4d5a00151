using Dipper.Basecaller.Models;
using Dipper.Basecaller.Tests.Models;
using Dipper.Tpu.Models;

namespace Dipper.Tpu.Tests.Models;

/// <summary>
/// Activation runs the package's TFLite model in the real TFLite C library (tests/data/models/sbonito-int8,
/// made by dipper compile) and refuses a model that does not load or does not match the manifest.
/// </summary>
public sealed class TfliteTestInferenceTests : IDisposable
{
    private readonly PackageFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    private ModelStore Store() =>
        new(new ModelActivationOptions { ModelsRoot = _fixture.ModelsRoot, Reload = ServiceReloadMode.Never }, new TfliteTestInference());

    [Fact]
    public void Compiled_int8_package_passes_a_test_inference_in_tflite()
    {
        var package = ModelPackageValidator.Validate(PackageFixture.CommittedInt8, new TfliteTestInference());
        Assert.Equal("model_int8.tflite", package.Manifest.Files.Tflite);
        Assert.Null(package.OnnxPath); // the TFLite run is the only test inference here
    }

    [Fact]
    public void Damaged_tflite_with_a_matching_checksum_is_refused_and_active_is_unchanged()
    {
        var store = Store();
        var first = store.Activate(PackageFixture.Committed);
        var before = Directory.EnumerateFileSystemEntries(_fixture.ModelsRoot).Order().ToList();

        var bad = _fixture.CopyOf(PackageFixture.CommittedInt8, "damaged");
        var model = Path.Combine(bad, "model_int8.tflite");
        var bytes = File.ReadAllBytes(model);
        File.WriteAllBytes(model, bytes[..(bytes.Length / 2)]); // a transfer cut in the middle
        PackageFixture.UpdateChecksum(bad, "model_int8.tflite");

        var e = Assert.Throws<ModelPackageRejectedException>(() => store.Activate(bad));
        Assert.Contains("model_int8.tflite", e.Message);
        Assert.Equal(first.Version, store.ActiveTarget);
        Assert.Equal(before, Directory.EnumerateFileSystemEntries(_fixture.ModelsRoot).Order().ToList());
    }

    [Fact]
    public void Tflite_output_shape_that_disagrees_with_the_manifest_is_refused()
    {
        // Stride 6 would mean 300 frames per 1800-sample chunk; the network gives 600.
        var folder = _fixture.CopyOf(PackageFixture.CommittedInt8, "stride");
        PackageFixture.EditManifest(folder, m => m["stride"] = 6);
        var e = Assert.Throws<ModelPackageRejectedException>(() => ModelPackageValidator.Validate(folder, new TfliteTestInference()));
        Assert.Contains("[8, 600, 5]", e.Message);
        Assert.Contains("[8, 300, 5]", e.Message);
    }

    [Fact]
    public void Edge_tpu_model_that_is_not_compiled_for_the_edge_tpu_is_refused()
    {
        var folder = _fixture.CopyOf(PackageFixture.CommittedInt8, "uncompiled");
        File.Copy(Path.Combine(folder, "model_int8.tflite"), Path.Combine(folder, "model_int8_edgetpu.tflite"));
        PackageFixture.EditManifest(folder, m => m["files"]!["tfliteEdgeTpu"] = "model_int8_edgetpu.tflite");
        PackageFixture.UpdateChecksum(folder, "model_int8_edgetpu.tflite");
        var e = Assert.Throws<ModelPackageRejectedException>(() => ModelPackageValidator.Validate(folder, new TfliteTestInference()));
        Assert.Contains("model_int8_edgetpu.tflite is named as the Edge TPU model", e.Message);
    }

    [Fact]
    public void Edge_tpu_model_without_a_checksum_is_refused()
    {
        var folder = _fixture.CopyOf(PackageFixture.CommittedInt8, "unsummed");
        File.Copy(Path.Combine(folder, "model_int8.tflite"), Path.Combine(folder, "model_int8_edgetpu.tflite"));
        PackageFixture.EditManifest(folder, m => m["files"]!["tfliteEdgeTpu"] = "model_int8_edgetpu.tflite");
        var e = Assert.Throws<ModelPackageRejectedException>(() => ModelPackageValidator.Validate(folder, new TfliteTestInference()));
        Assert.Contains("model_int8_edgetpu.tflite has no SHA-256", e.Message);
    }
}
