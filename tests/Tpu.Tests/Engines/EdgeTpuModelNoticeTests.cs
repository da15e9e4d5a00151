using Dipper.Tpu.Engines;
using Dipper.Tpu.Tests.Support;

namespace Dipper.Tpu.Tests.Engines;

/// <summary>A TPU plugged in with a package that has nothing compiled for it is said plainly (the fake libedgetpu is the TPU).</summary>
[Collection(FakeEdgeTpuCollection.Name)]
public sealed class EdgeTpuModelNoticeTests : IDisposable
{
    private readonly FakeEdgeTpu fake = new();
    private readonly string folder = Directory.CreateTempSubdirectory("dipper-notice-").FullName;
    private readonly string compiled;
    private readonly string plain;

    public EdgeTpuModelNoticeTests()
    {
        TfliteLibrary.Require();
        compiled = Path.Combine(folder, "model_edgetpu.tflite");
        plain = Path.Combine(folder, "model_int8.tflite");
        File.WriteAllBytes(compiled, EngineModels.EdgeTpu());
        File.WriteAllBytes(plain, EngineModels.Int8());
    }

    public void Dispose()
    {
        Directory.Delete(folder, recursive: true);
        fake.Dispose();
    }

    private static EdgeTpuAvailability Probe() => EdgeTpuProbe.Run(new EdgeTpuProbeOptions { Discovery = null });

    [Fact]
    public void A_tpu_present_with_an_uncompiled_model_says_the_cpu_calls_and_how_to_compile_for_the_tpu()
    {
        fake.Plug(FakeEdgeTpu.Usb());
        var notice = EdgeTpuModelNotice.For("sbonito", plain, Probe);
        Assert.NotNull(notice);
        Assert.StartsWith("An Edge TPU is plugged in (usb:/sys/bus/usb/devices/2-1), but model package 'sbonito' has no model compiled for it (model_int8.tflite is not)", notice);
        Assert.Contains("base calling runs on the CPU", notice);
        Assert.Contains("dipper compile --target edgetpu", notice);

        var onnxOnly = EdgeTpuModelNotice.For("sbonito", null, Probe);
        Assert.Contains("has no TFLite model", onnxOnly);
    }

    [Fact]
    public void No_notice_for_a_compiled_model_or_without_a_tpu()
    {
        fake.Plug(FakeEdgeTpu.Usb());
        Assert.Null(EdgeTpuModelNotice.For("sbonito", compiled, () => throw new InvalidOperationException("a compiled model needs no probe")));
        fake.Unplug(FakeEdgeTpu.Usb());
        Assert.Null(EdgeTpuModelNotice.For("sbonito", plain, Probe));
    }
}
