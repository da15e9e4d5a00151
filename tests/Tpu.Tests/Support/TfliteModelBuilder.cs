using System.Runtime.InteropServices;
using Dipper.Tpu.Schema;

namespace Dipper.Tpu.Tests.Support;

/// <summary>
/// Writes small TFLite models with the generated schema classes, so tests run real models through the
/// real runtime without TensorFlow. One subgraph; buffer 0 is the empty buffer TFLite expects.
/// </summary>
internal sealed class TfliteModelBuilder
{
    private readonly ModelT model;
    private readonly SubGraphT graph;

    public TfliteModelBuilder()
    {
        graph = new SubGraphT { Tensors = [], Inputs = [], Outputs = [], Operators = [], Name = "main" };
        model = new ModelT
        {
            Version = 3,
            Description = "Dipper test model",
            OperatorCodes = [],
            Subgraphs = [graph],
            Buffers = [new BufferT()],
        };
    }

    /// <summary>Adds an activation tensor (no data).</summary>
    public int Tensor(string name, TensorType type, int[] shape, float scale = 0, long zeroPoint = 0) =>
        AddTensor(name, type, shape, scale, zeroPoint, data: null);

    /// <summary>Adds a float32 constant.</summary>
    public int Constant(string name, int[] shape, float[] values) =>
        AddTensor(name, TensorType.FLOAT32, shape, 0, 0, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());

    /// <summary>Adds an int8 constant with per-tensor quantisation.</summary>
    public int Constant(string name, int[] shape, sbyte[] values, float scale, long zeroPoint) =>
        AddTensor(name, TensorType.INT8, shape, scale, zeroPoint, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());

    /// <summary>Adds an int32 constant (biases of quantised ops, shapes), optionally quantised.</summary>
    public int Constant(string name, int[] shape, int[] values, float scale = 0) =>
        AddTensor(name, TensorType.INT32, shape, scale, 0, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());

    /// <summary>Adds a builtin operator.</summary>
    public void Operator(BuiltinOperator op, int[] inputs, int[] outputs, BuiltinOptionsUnion? options = null) =>
        graph.Operators.Add(new OperatorT
        {
            OpcodeIndex = OpcodeIndex(op, null),
            Inputs = [.. inputs],
            Outputs = [.. outputs],
            BuiltinOptions = options ?? new BuiltinOptionsUnion(),
        });

    /// <summary>Adds a custom operator (e.g. "edgetpu-custom-op").</summary>
    public void Custom(string name, int[] inputs, int[] outputs) =>
        graph.Operators.Add(new OperatorT
        {
            OpcodeIndex = OpcodeIndex(BuiltinOperator.CUSTOM, name),
            Inputs = [.. inputs],
            Outputs = [.. outputs],
            BuiltinOptions = new BuiltinOptionsUnion(),
            CustomOptions = [],
        });

    /// <summary>Declares the graph's inputs and outputs.</summary>
    public TfliteModelBuilder Signature(int[] inputs, int[] outputs)
    {
        graph.Inputs = [.. inputs];
        graph.Outputs = [.. outputs];
        return this;
    }

    /// <summary>The model as a .tflite FlatBuffer (with the TFL3 identifier).</summary>
    public byte[] Build() => model.SerializeToBinary();

    private int AddTensor(string name, TensorType type, int[] shape, float scale, long zeroPoint, byte[]? data)
    {
        uint buffer = 0;
        if (data is not null)
        {
            model.Buffers.Add(new BufferT { Data = [.. data] });
            buffer = (uint)(model.Buffers.Count - 1);
        }
        graph.Tensors.Add(new TensorT
        {
            Name = name,
            Type = type,
            Shape = [.. shape],
            Buffer = buffer,
            Quantization = scale == 0
                ? null
                : new QuantizationParametersT { Scale = [scale], ZeroPoint = [zeroPoint], QuantizedDimension = 0 },
        });
        return graph.Tensors.Count - 1;
    }

    private uint OpcodeIndex(BuiltinOperator op, string? custom)
    {
        var index = model.OperatorCodes.FindIndex(c => c.BuiltinCode == op && c.CustomCode == custom);
        if (index >= 0) return (uint)index;
        model.OperatorCodes.Add(new OperatorCodeT
        {
            // TFLite 2.9 reads max(deprecated_builtin_code, builtin_code); ops below 127 fit both.
            DeprecatedBuiltinCode = (sbyte)Math.Min((int)op, 127),
            BuiltinCode = op,
            CustomCode = custom,
            Version = 1,
        });
        return (uint)(model.OperatorCodes.Count - 1);
    }
}
