using Dipper.Basecaller.Inference;
using Dipper.Basecaller.Models;
using Dipper.Basecaller.Tests.Pipeline;

namespace Dipper.Basecaller.Tests.Inference;

public sealed class EngineFactoryTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("dipper-package-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private ModelPackage Package(ModelManifest manifest)
    {
        foreach (var file in new[] { manifest.Files.Onnx, manifest.Files.Tflite })
            if (file is not null) File.WriteAllBytes(Path.Combine(_folder, file), []);
        ModelPackage.WriteManifest(_folder, manifest);
        return ModelPackage.Load(_folder);
    }

    [Fact]
    public void Auto_picks_onnx_in_a_build_without_the_tpu_engines()
    {
        var package = Package(TestManifests.Sbonito());
        Assert.Equal("onnx", EngineFactory.WithBuiltInEngines().Resolve("auto", package));
    }

    [Theory]
    [InlineData("tflite")]
    [InlineData("edgetpu")]
    public void Engines_not_in_this_build_are_refused_by_name(string engine)
    {
        var package = Package(TestManifests.Sbonito());
        var error = Assert.Throws<EngineUnavailableException>(() => EngineFactory.WithBuiltInEngines().Resolve(engine, package));
        Assert.Equal($"engine '{engine}' is not available in this build (available: onnx)", error.Message);
    }

    [Fact]
    public void Auto_prefers_the_edge_tpu_then_onnx_runtime_then_tflite_on_the_cpu()
    {
        var package = Package(TestManifests.Sbonito() with { Files = new ModelFiles { Onnx = "model.onnx", Tflite = "model.tflite" } });
        var factory = EngineFactory.WithBuiltInEngines();
        factory.Register("edgetpu", _ => "no Coral attached", (_, _) => throw new InvalidOperationException());
        factory.Register("tflite", p => p.TflitePath is null ? "no TFLite model" : null, (_, _) => new FrameFunctionEngine(1800, 1));
        Assert.Equal("onnx", factory.Resolve("auto", package));
        var error = Assert.Throws<EngineUnavailableException>(() => factory.Resolve("edgetpu", package));
        Assert.Contains("no Coral attached", error.Message);

        var tfliteOnly = Package(TestManifests.Sbonito() with { Files = new ModelFiles { Tflite = "model.tflite" } });
        Assert.Equal("tflite", factory.Resolve("auto", tfliteOnly));
        Assert.IsType<FrameFunctionEngine>(factory.Create("auto", tfliteOnly, new InferenceEngineOptions()));

        factory.Register("edgetpu", _ => null, (_, _) => new FrameFunctionEngine(1800, 1));
        Assert.Equal("edgetpu", factory.Resolve("auto", package));
    }

    [Fact]
    public void Onnx_is_refused_for_a_package_without_an_onnx_model()
    {
        var package = Package(TestManifests.Sbonito() with { Files = new ModelFiles { Tflite = "model.tflite" } });
        var error = Assert.Throws<EngineUnavailableException>(() => EngineFactory.WithBuiltInEngines().Resolve("auto", package));
        Assert.Contains("no ONNX model", error.Message);
    }
}
