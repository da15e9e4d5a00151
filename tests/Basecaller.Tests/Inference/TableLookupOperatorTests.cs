using Dipper.Basecaller.Inference;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;

namespace Dipper.Basecaller.Tests.Inference;

/// <summary>Dipper's table operator in the real ONNX Runtime, through its C API's custom operators.</summary>
public class TableLookupOperatorTests
{
    [Fact]
    public void Onnx_runtime_runs_the_table_operator_on_a_tensor_of_any_shape()
    {
        var table = Enumerable.Range(0, 256).Select(i => (byte)(255 - i * 7 % 256)).ToArray();
        var x = Enumerable.Range(0, 2 * 3 * 70).Select(i => (byte)(i * 13 % 256)).ToArray();

        var y = OperatorSessions.Run(Model(table), x, [2, 3, 70]);

        Assert.Equal(x.Select(v => table[v]), y);
    }

    [Fact]
    public void A_table_of_other_than_256_entries_fails_the_run_naming_the_operator()
    {
        var error = Assert.Throws<OnnxRuntimeException>(() => OperatorSessions.Run(Model(new byte[255]), new byte[10], [10]));
        Assert.Contains("ai.dipper.QLinearTable", error.Message);
        Assert.Contains("255 entries", error.Message);
    }

    [Fact]
    public void Without_the_operator_added_onnx_runtime_refuses_the_model_by_its_domain()
    {
        using var options = new SessionOptions();
        var error = Assert.Throws<OnnxRuntimeException>(() => new InferenceSession(Model(new byte[256]), options));
        Assert.Contains("ai.dipper", error.Message);
    }

    /// <summary>y = QLinearTable(x, table): x a uint8 tensor of any shape, the table an initializer.</summary>
    private static byte[] Model(byte[] table)
    {
        var graph = new GraphProto { Name = "table" };
        graph.Input.Add(Value("x"));
        graph.Output.Add(Value("y"));
        var tensor = new TensorProto { Name = "table", DataType = (int)TensorProto.Types.DataType.Uint8, RawData = ByteString.CopyFrom(table) };
        tensor.Dims.Add(table.Length);
        graph.Initializer.Add(tensor);
        var node = new NodeProto { OpType = TableLookupOperator.Name, Domain = DipperOperators.Domain, Name = "lookup" };
        node.Input.AddRange(["x", "table"]);
        node.Output.Add("y");
        graph.Node.Add(node);
        var model = new ModelProto { IrVersion = 7, ProducerName = "dipper-test", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = DipperOperators.Domain, Version = DipperOperators.DomainVersion });
        return model.ToByteArray();
    }

    private static ValueInfoProto Value(string name)
    {
        // No shape: any rank.
        var type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Uint8 } };
        return new ValueInfoProto { Name = name, Type = type };
    }
}
