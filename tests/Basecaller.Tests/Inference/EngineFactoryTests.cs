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
        foreach (var file in new[] { manifest.Files.Onnx, manifest.Files.Tflite, manifest.Files.OnnxInt8 })
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
        Assert.Equal($"engine '{engine}' is not available in this build (available: onnx, onnx-int8)", error.Message);
    }

    [Fact]
    public void Onnx_int8_runs_only_when_asked_for_and_only_for_a_package_with_an_int8_onnx_model()
    {
        var floatOnly = Package(TestManifests.Sbonito());
        var factory = EngineFactory.WithBuiltInEngines();
        // Auto keeps the float model: the int8 model's calls differ a little from it.
        Assert.Equal("onnx", factory.Resolve("auto", floatOnly));
        var error = Assert.Throws<EngineUnavailableException>(() => factory.Resolve("onnx-int8", floatOnly));
        Assert.Equal("engine 'onnx-int8' cannot run model 'sbonito-test': the model package has no int8 ONNX model (dipper compile --target cpu writes one)", error.Message);

        var compiled = Package(TestManifests.Sbonito() with { Files = new ModelFiles { Onnx = "model.onnx", OnnxInt8 = "model_int8.onnx" } });
        Assert.Equal("onnx", factory.Resolve("auto", compiled));
        Assert.Equal("onnx-int8", factory.Resolve("onnx-int8", compiled));
    }

    // What auto prefers is EngineSelection's policy (tests/Tpu.Tests/Engines/EngineSelectionTests); the factory
    // asks whatever policy it is handed and builds that engine.
    [Fact]
    public void Auto_builds_the_engine_the_handed_in_policy_chooses()
    {
        var package = Package(TestManifests.Sbonito() with { Files = new ModelFiles { Onnx = "model.onnx", Tflite = "model.tflite" } });
        var factory = EngineFactory.WithBuiltInEngines();
        factory.Register("edgetpu", _ => "no Coral attached", (_, _) => throw new InvalidOperationException());
        factory.Register("tflite", p => p.TflitePath is null ? "no TFLite model" : null, (_, _) => new FrameFunctionEngine(1800, 1));
        factory.ChooseAutoWith(p => p.OnnxPath is null ? "tflite" : "onnx");
        Assert.Equal("onnx", factory.Resolve("auto", package));
        var error = Assert.Throws<EngineUnavailableException>(() => factory.Resolve("edgetpu", package));
        Assert.Contains("no Coral attached", error.Message);

        var tfliteOnly = Package(TestManifests.Sbonito() with { Files = new ModelFiles { Tflite = "model.tflite" } });
        Assert.Equal("tflite", factory.Resolve("auto", tfliteOnly));
        Assert.IsType<FrameFunctionEngine>(factory.Create("auto", tfliteOnly, new InferenceEngineOptions()));

        factory.ChooseAutoWith(_ => throw new EngineUnavailableException("auto", "No engine can run this model package: no TPU"));
        var none = Assert.Throws<EngineUnavailableException>(() => factory.Resolve("auto", package));
        Assert.Equal("No engine can run this model package: no TPU", none.Message);
    }

    [Fact]
    public void Auto_with_several_engines_and_no_policy_handed_in_is_refused()
    {
        var package = Package(TestManifests.Sbonito());
        var factory = EngineFactory.WithBuiltInEngines();
        factory.Register("tflite", _ => null, (_, _) => new FrameFunctionEngine(1800, 1));
        var error = Assert.Throws<InvalidOperationException>(() => factory.Resolve("auto", package));
        Assert.Contains(nameof(EngineFactory.ChooseAutoWith), error.Message);
    }

    [Fact]
    public void Onnx_is_refused_for_a_package_without_an_onnx_model()
    {
        var package = Package(TestManifests.Sbonito() with { Files = new ModelFiles { Tflite = "model.tflite" } });
        var error = Assert.Throws<EngineUnavailableException>(() => EngineFactory.WithBuiltInEngines().Resolve("auto", package));
        Assert.Contains("no ONNX model", error.Message);
    }
}
