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

    [Fact]
    public void Pooled_model_with_a_tflite_part_runs_that_part_on_tflite_when_the_setting_asks_for_it()
    {
        var package = ModelPackage.Load(PackageFixture.CommittedPooledInt8);

        using var set = EngineSet.Create(new ServiceOptions { Engine = "tflite", Threads = 2 }, package, NullLogger.Instance);
        var window = new float[set.AfterPooling[0].ChunkSamples];
        var scores = new float[set.AfterPooling[0].FramesPerChunk * set.AfterPooling[0].Classes];
        set.AfterPooling[1].Infer(window, 1, scores);

        Assert.Equal("onnx+tflite", set.Name);
        Assert.All(set.Engines, e => Assert.Equal(package.Manifest.Pooling!.Features + 2, e.Classes));
        Assert.All(set.AfterPooling, e => Assert.Equal((600 * 80, 600, 5), (e.ChunkSamples, e.FramesPerChunk, e.Classes)));
        Assert.Equal([(EngineSet.BeforePoolingMember, 0L), (EngineSet.BeforePoolingMember, 0L), ("tflite (after pooling)", 0L), ("tflite (after pooling)", 1L)],
            set.Members().Select(m => (m.Name, m.Batches)));
        Assert.All(scores, s => Assert.True(float.IsFinite(s) && s <= 0));
        Assert.DoesNotContain("ONNX Runtime only", set.Notice ?? "");
    }

    [Fact]
    public void Pooled_model_with_a_tflite_part_runs_it_on_onnx_runtime_under_auto_as_a_model_without_pooling_would()
    {
        var package = ModelPackage.Load(PackageFixture.CommittedPooledInt8);

        using var set = EngineSet.Create(new ServiceOptions { Engine = "auto", Threads = 1 }, package, NullLogger.Instance);

        // No Edge TPU here, so "auto" takes the float model on the CPU, as EngineSelection does for any package.
        Assert.Equal("onnx", set.Name);
        Assert.Equal([EngineSet.BeforePoolingMember, EngineSet.AfterPoolingMember], set.Members().Select(m => m.Name));
        Assert.DoesNotContain("ONNX Runtime only", set.Notice ?? "");
    }
}
