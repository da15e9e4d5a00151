using Dipper.Tpu.Schema;
using Dipper.Tpu.Tests.Support;
using Google.FlatBuffers;

namespace Dipper.Tpu.Tests.Schema;

/// <summary>The flatc 2.0.8 code generated into src/Tpu/Schema works with the Google.FlatBuffers 25.x runtime.</summary>
public sealed class TfliteSchemaTests
{
    [Fact]
    public void A_written_model_carries_the_tfl3_identifier_and_reads_back_field_for_field()
    {
        var bytes = TestModels.Int8Dense();
        var buffer = new ByteBuffer(bytes);
        Assert.True(Model.ModelBufferHasIdentifier(buffer));
        Model.ValidateVersion();

        var model = ModelT.DeserializeFromBinary(bytes);
        Assert.Equal(3u, model.Version);
        var graph = Assert.Single(model.Subgraphs);
        Assert.Equal(["x", "w", "b", "y"], graph.Tensors.Select(t => t.Name));
        var x = graph.Tensors[0];
        Assert.Equal(TensorType.INT8, x.Type);
        Assert.Equal([1, 4], x.Shape);
        Assert.Equal([0.5f], x.Quantization.Scale);
        Assert.Equal([-1L], x.Quantization.ZeroPoint);
        var op = Assert.Single(graph.Operators);
        Assert.Equal(BuiltinOptions.FullyConnectedOptions, op.BuiltinOptions.Type);
        var code = model.OperatorCodes[(int)op.OpcodeIndex];
        Assert.Equal(BuiltinOperator.FULLY_CONNECTED, code.BuiltinCode);
        Assert.Equal((sbyte)9, code.DeprecatedBuiltinCode);
        Assert.Equal(TestModels.Int8Weights, graph.Tensors[1].Buffer is var b ? model.Buffers[(int)b].Data.Select(v => (sbyte)v) : []);
    }

    [Fact]
    public void Reading_and_writing_again_gives_an_equivalent_model()
    {
        var once = ModelT.DeserializeFromBinary(TestModels.FloatConvDense()).SerializeToBinary();
        var twice = ModelT.DeserializeFromBinary(once).SerializeToBinary();
        Assert.Equal(once, twice);
    }
}
