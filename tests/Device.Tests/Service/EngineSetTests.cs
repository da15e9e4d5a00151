using System.Runtime.InteropServices;
using Dipper.Basecaller.Models;
using Dipper.Basecaller.Tests.Models;
using Dipper.Device.Service;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dipper.Device.Tests.Service;

public sealed class EngineSetTests
{
    private static readonly string Window = Path.Combine(AppContext.BaseDirectory, "data", "reference", "sbonito", "read0.window0.f32");

    [Fact]
    public void Each_cpu_engine_reports_the_batches_it_computed()
    {
        var package = ModelPackage.Load(PackageFixture.Committed);
        using var set = EngineSet.Create(new ServiceOptions { Engine = "onnx", Threads = 2, Batch = 1 }, package, NullLogger.Instance);
        var signal = MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(Window)).ToArray();
        var engine = set.Engines[0];
        var output = new float[engine.FramesPerChunk * engine.Classes];

        set.Engines[0].Infer(signal, 1, output);
        set.Engines[0].Infer(signal, 1, output);
        set.Engines[1].Infer(signal, 1, output);

        Assert.Equal([("onnx", 2L, 0L), ("onnx", 1L, 0L)], set.Members().Select(m => (m.Name, m.Batches, m.Failures)));
        Assert.All(set.Members(), m => Assert.True(m.Healthy));
    }

    [Theory]
    [InlineData("tflite")]
    [InlineData("edgetpu")]
    [InlineData("auto")]
    public void Pooled_model_gets_onnx_runtime_engines_for_both_parts_whatever_the_engine_setting(string engine)
    {
        var package = ModelPackage.Load(PackageFixture.CommittedPooled);

        using var set = EngineSet.Create(new ServiceOptions { Engine = engine, Threads = 2 }, package, NullLogger.Instance);

        Assert.Equal("onnx", set.Name);
        Assert.Equal(2, set.Engines.Count);
        Assert.Equal(2, set.AfterPooling.Count);
        Assert.All(set.Engines, e => Assert.Equal(package.Manifest.Pooling!.Features + 2, e.Classes));
        Assert.All(set.AfterPooling, e => Assert.Equal(package.Manifest.Alphabet.Length, e.Classes));
        Assert.Equal([EngineSet.BeforePoolingMember, EngineSet.BeforePoolingMember, EngineSet.AfterPoolingMember, EngineSet.AfterPoolingMember],
            set.Members().Select(m => m.Name));
        Assert.Contains("ONNX Runtime only", set.Notice);
        Assert.Contains($"(Service:Engine is {engine})", set.Notice);
    }
}
