using Dipper.Tpu.Lite;
using Dipper.Tpu.Tests.Support;

namespace Dipper.Tpu.Tests.Lite;

public sealed class TfliteModelFileTests : IDisposable
{
    private readonly string file = Path.Combine(Path.GetTempPath(), $"dipper-{Guid.NewGuid():N}.tflite");

    public void Dispose() => File.Delete(file);

    [Fact]
    public void A_model_with_the_edge_tpu_op_is_recognised_as_compiled_for_the_edge_tpu()
    {
        File.WriteAllBytes(file, EngineModels.EdgeTpu());
        Assert.True(TfliteModelFile.IsCompiledForEdgeTpu(file));
        File.WriteAllBytes(file, EngineModels.Float());
        Assert.False(TfliteModelFile.IsCompiledForEdgeTpu(file));
    }

    [Fact]
    public void A_file_that_is_not_a_tflite_model_is_reported()
    {
        File.WriteAllText(file, "{\"onnx\": true}");
        var e = Assert.Throws<InvalidDataException>(() => TfliteModelFile.IsCompiledForEdgeTpu(file));
        Assert.Contains(file, e.Message);
    }
}
