using Dipper.Tpu.EdgeTpu;
using Dipper.Tpu.Engines;
using Dipper.Tpu.Native;
using Dipper.Tpu.Tests.Support;

namespace Dipper.Tpu.Tests.Engines;

public sealed class EngineSelectionTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("dipper-package-").FullName;
    private readonly string compiled;
    private readonly string plain;
    private readonly string onnx;

    public EngineSelectionTests()
    {
        compiled = Path.Combine(folder, "model_edgetpu.tflite");
        plain = Path.Combine(folder, "model.tflite");
        onnx = Path.Combine(folder, "model.onnx");
        File.WriteAllBytes(compiled, EngineModels.EdgeTpu());
        File.WriteAllBytes(plain, EngineModels.Float());
        File.WriteAllText(onnx, "onnx");
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private static readonly NativeLibraryLocation TfliteFound = new("libtensorflowlite_c.so", "/lib/libtensorflowlite_c.so", []);
    private static readonly NativeLibraryLocation TfliteMissing = new("libtensorflowlite_c.so", null, ["/nowhere (no such file)"]);

    private static EdgeTpuAvailability Tpus(int count) => new(
        count > 0,
        Enumerable.Range(1, count).Select(i => new EdgeTpuDevice(EdgeTpuDeviceType.Usb, $"/sys/bus/usb/devices/2-{i}")).ToList(),
        null, TfliteFound, new("libedgetpu.so.1", "/lib/libedgetpu.so.1", []), "2.9.0", "RuntimeVersion(16)",
        RuntimeVersionReport.Compare("2.9.0", "RuntimeVersion(16)", "16.0tf2.9.0-1"),
        count > 0 ? null : "Edge TPU unavailable: libedgetpu lists no Edge TPU. Check udev.");

    [Fact]
    public void Auto_takes_the_edge_tpu_when_one_is_usable_and_the_model_is_compiled_for_it()
    {
        var d = EngineSelection.Choose(EngineKind.Auto, compiled, onnx, () => Tpus(2), () => TfliteFound);
        Assert.True(d.Ok);
        Assert.Equal(EngineKind.EdgeTpu, d.Kind);
        Assert.StartsWith("engine: edgetpu (auto; 2 Edge TPUs: usb:/sys/bus/usb/devices/2-1, usb:/sys/bus/usb/devices/2-2", d.Message);
        Assert.Equal(2, d.EdgeTpu!.Devices.Count);
    }

    [Fact]
    public void Auto_without_a_tpu_falls_to_onnx_when_the_only_tflite_model_is_compiled_for_the_tpu()
    {
        var d = EngineSelection.Choose(EngineKind.Auto, compiled, onnx, () => Tpus(0), () => TfliteFound);
        Assert.Equal(EngineKind.Onnx, d.Kind);
        Assert.Contains("lists no Edge TPU", d.Message);

        var noOnnx = EngineSelection.Choose(EngineKind.Auto, compiled, null, () => Tpus(0), () => TfliteFound);
        Assert.False(noOnnx.Ok);
        Assert.Contains("cannot run on the CPU alone", noOnnx.Message);
    }

    [Fact]
    public void Auto_prefers_onnx_runtime_on_the_cpu_to_an_uncompiled_tflite_model_and_says_why()
    {
        var d = EngineSelection.Choose(EngineKind.Auto, plain, onnx, () => throw new InvalidOperationException("no probe needed"), () => TfliteFound);
        Assert.Equal(EngineKind.Onnx, d.Kind);
        Assert.Equal("engine: onnx (auto; model.tflite is not compiled for the Edge TPU)", d.Message);
    }

    [Fact]
    public void Auto_uses_tflite_on_the_cpu_when_the_package_has_no_onnx_model()
    {
        var d = EngineSelection.Choose(EngineKind.Auto, plain, null, () => throw new InvalidOperationException("no probe needed"), () => TfliteFound);
        Assert.Equal(EngineKind.Tflite, d.Kind);
        Assert.Equal("engine: tflite (auto; model.tflite is not compiled for the Edge TPU; the package has no ONNX model)", d.Message);
    }

    [Fact]
    public void Auto_without_onnx_fails_naming_the_tflite_library_that_cannot_load()
    {
        var d = EngineSelection.Choose(EngineKind.Auto, plain, null, () => Tpus(0), () => TfliteMissing);
        Assert.False(d.Ok);
        Assert.Contains("libtensorflowlite_c.so could not be loaded", d.Message);
    }

    [Fact]
    public void Auto_with_nothing_runnable_fails_with_every_reason()
    {
        var d = EngineSelection.Choose(EngineKind.Auto, null, null, () => Tpus(0), () => TfliteFound);
        Assert.False(d.Ok);
        Assert.Contains("No engine can run", d.Message);
    }

    [Fact]
    public void Auto_decision_gives_the_engine_factory_name_or_refuses_with_its_message()
    {
        Assert.Equal("edgetpu", EngineSelection.FactoryName(EngineSelection.Choose(EngineKind.Auto, compiled, onnx, () => Tpus(1), () => TfliteFound)));
        Assert.Equal("onnx", EngineSelection.FactoryName(EngineSelection.Choose(EngineKind.Auto, compiled, onnx, () => Tpus(0), () => TfliteFound)));
        Assert.Equal("tflite", EngineSelection.FactoryName(EngineSelection.Choose(EngineKind.Auto, plain, null, () => Tpus(0), () => TfliteFound)));
        var refused = EngineSelection.Choose(EngineKind.Auto, null, null, () => Tpus(0), () => TfliteFound);
        var error = Assert.Throws<Basecaller.Inference.EngineUnavailableException>(() => EngineSelection.FactoryName(refused));
        Assert.Equal(refused.Message, error.Message);
    }

    [Fact]
    public void Requested_edge_tpu_without_a_tpu_fails_with_the_probes_message()
    {
        var d = EngineSelection.Choose(EngineKind.EdgeTpu, compiled, onnx, () => Tpus(0), () => TfliteFound);
        Assert.False(d.Ok);
        Assert.Contains("Edge TPU", d.Message);
        Assert.Contains("udev", d.Message);
    }

    [Fact]
    public void Requested_edge_tpu_needs_a_tflite_model_in_the_package()
    {
        var d = EngineSelection.Choose(EngineKind.EdgeTpu, null, onnx, () => Tpus(1), () => TfliteFound);
        Assert.False(d.Ok);
        Assert.Contains("no TFLite model", d.Message);
    }

    [Fact]
    public void Requested_edge_tpu_with_an_uncompiled_model_runs_but_warns()
    {
        var d = EngineSelection.Choose(EngineKind.EdgeTpu, plain, null, () => Tpus(1), () => TfliteFound);
        Assert.True(d.Ok);
        Assert.Contains("not compiled for the Edge TPU", d.Message);
    }

    [Fact]
    public void Requested_tflite_refuses_a_model_compiled_for_the_tpu()
    {
        var d = EngineSelection.Choose(EngineKind.Tflite, compiled, onnx, () => Tpus(1), () => TfliteFound);
        Assert.False(d.Ok);
        Assert.Contains("compiled for the Edge TPU", d.Message);
    }

    [Fact]
    public void Requested_onnx_needs_an_onnx_model()
    {
        Assert.True(EngineSelection.Choose(EngineKind.Onnx, null, onnx, () => Tpus(0), () => TfliteFound).Ok);
        Assert.False(EngineSelection.Choose(EngineKind.Onnx, plain, null, () => Tpus(0), () => TfliteFound).Ok);
    }

    [Fact]
    public void Edge_tpu_runs_the_compiled_model_when_the_package_has_one_besides_the_plain_one()
    {
        var d = EngineSelection.Choose(EngineKind.EdgeTpu, plain, onnx, () => Tpus(1), () => TfliteFound, edgeTpuPath: compiled);
        Assert.True(d.Ok);
        Assert.Equal(EngineKind.EdgeTpu, d.Kind);
        Assert.DoesNotContain("not compiled", d.Message);

        var auto = EngineSelection.Choose(EngineKind.Auto, plain, onnx, () => Tpus(1), () => TfliteFound, edgeTpuPath: compiled);
        Assert.Equal(EngineKind.EdgeTpu, auto.Kind);
    }

    [Fact]
    public void Auto_without_a_tpu_runs_a_cpu_model_and_says_why_the_compiled_one_was_not_used()
    {
        var d = EngineSelection.Choose(EngineKind.Auto, plain, onnx, () => Tpus(0), () => TfliteFound, edgeTpuPath: compiled);
        Assert.True(d.Ok);
        Assert.Equal(EngineKind.Onnx, d.Kind);
        Assert.Contains("model_edgetpu.tflite not used: Edge TPU unavailable", d.Message);

        var noOnnx = EngineSelection.Choose(EngineKind.Auto, plain, null, () => Tpus(0), () => TfliteFound, edgeTpuPath: compiled);
        Assert.True(noOnnx.Ok);
        Assert.Equal(EngineKind.Tflite, noOnnx.Kind);
        Assert.Contains("model_edgetpu.tflite not used: Edge TPU unavailable", noOnnx.Message);
    }

    [Fact]
    public void Edge_tpu_model_path_prefers_the_compiled_file_and_falls_back_to_tflite()
    {
        string Manifest(string files) =>
            "{\"format\":\"dipper-model/1\",\"name\":\"m\",\"alphabet\":\"NACGT\",\"blank\":0,\"stride\":2," +
            "\"chunk\":{\"samples\":8,\"overlap\":0},\"sampleRates\":[4000]," +
            "\"normalisation\":{\"method\":\"median-mad\"},\"chemistry\":\"R9.4.1 DNA\",\"files\":{" + files + "}}";
        File.WriteAllText(Path.Combine(folder, "manifest.json"), Manifest("\"tflite\":\"model.tflite\",\"tfliteEdgeTpu\":\"model_edgetpu.tflite\""));
        Assert.Equal(compiled, EngineSelection.EdgeTpuModelPath(Basecaller.Models.ModelPackage.Load(folder)));
        File.WriteAllText(Path.Combine(folder, "manifest.json"), Manifest("\"tflite\":\"model.tflite\""));
        Assert.Equal(plain, EngineSelection.EdgeTpuModelPath(Basecaller.Models.ModelPackage.Load(folder)));
    }
}
