using System.Runtime.InteropServices;
using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Lowered;
using Dipper.Tpu.Schema;
using Google.FlatBuffers;
using SchemaBuffer = Dipper.Tpu.Schema.Buffer;
using SchemaTensor = Dipper.Tpu.Schema.Tensor;

namespace Dipper.Compiler.Export;

/// <summary>
/// Writes a <see cref="LoweredGraph"/> as a .tflite FlatBuffer (schema version 3) with the
/// flatc-generated schema classes in Dipper.Tpu: one subgraph, builtin operators only, every
/// constant in its own buffer aligned to 16 bytes as TensorFlow's converter aligns them (int32
/// biases and the Edge TPU compiler read them in place). Kernels are one row high, so the height
/// dilation is set equal to the time dilation: it changes nothing, and the Edge TPU requires the
/// two to be equal. A float graph gives a float32 model, a
/// quantised one an int8 model with per-channel weight scales. The bytes depend only on the graph.
/// </summary>
public static class TfliteExporter
{
    /// <summary>The TFLite schema version written in every model.</summary>
    public const uint SchemaVersion = 3;

    private const int BufferAlignment = 16;

    /// <summary>Serialises the graph.</summary>
    /// <exception cref="GraphException">A tensor's constant data does not match its type.</exception>
    public static byte[] Export(LoweredGraph graph, string description = "Dipper base caller")
    {
        var builder = new FlatBufferBuilder(1 << 20);
        // Buffer 0 is the empty buffer every activation points at.
        var buffers = new List<Offset<SchemaBuffer>> { SchemaBuffer.CreateBuffer(builder) };
        var tensorOffsets = new Offset<SchemaTensor>[graph.Tensors.Count];
        for (var i = 0; i < graph.Tensors.Count; i++)
        {
            var tensor = graph.Tensors[i];
            uint bufferIndex = 0;
            if (tensor.Data is { } data)
            {
                var bytes = Bytes(tensor, data);
                builder.StartVector(1, bytes.Length, BufferAlignment);
                builder.Add(bytes);
                buffers.Add(SchemaBuffer.CreateBuffer(builder, builder.EndVector()));
                bufferIndex = (uint)(buffers.Count - 1);
            }
            tensorOffsets[i] = WriteTensor(builder, tensor, bufferIndex);
        }

        var codes = new List<(BuiltinOperator Op, int Version)>();
        var operators = new Offset<Operator>[graph.Operators.Count];
        for (var i = 0; i < graph.Operators.Count; i++)
        {
            var op = graph.Operators[i];
            var (code, optionsType, options) = Translate(builder, op, graph);
            var key = (code, Version(op, graph));
            var index = codes.IndexOf(key);
            if (index < 0)
            {
                codes.Add(key);
                index = codes.Count - 1;
            }
            operators[i] = Operator.CreateOperator(builder, (uint)index,
                Operator.CreateInputsVector(builder, op.Inputs),
                Operator.CreateOutputsVector(builder, [op.Output]),
                optionsType, options);
        }

        var subgraph = SubGraph.CreateSubGraph(builder,
            SubGraph.CreateTensorsVector(builder, tensorOffsets),
            SubGraph.CreateInputsVector(builder, [graph.Input]),
            SubGraph.CreateOutputsVector(builder, [graph.Output]),
            SubGraph.CreateOperatorsVector(builder, operators),
            builder.CreateString("main"));
        var operatorCodes = codes.Select(c => OperatorCode.CreateOperatorCode(builder,
            // TFLite before 2.4 reads only the deprecated 8-bit code; every builtin used here fits it.
            deprecated_builtin_code: (sbyte)Math.Min((int)c.Op, 127), version: c.Version, builtin_code: c.Op)).ToArray();
        var model = Model.CreateModel(builder, SchemaVersion,
            Model.CreateOperatorCodesVector(builder, operatorCodes),
            Model.CreateSubgraphsVector(builder, [subgraph]),
            builder.CreateString(description),
            Model.CreateBuffersVector(builder, buffers.ToArray()));
        Model.FinishModelBuffer(builder, model);
        return builder.SizedByteArray();
    }

    private static Offset<SchemaTensor> WriteTensor(FlatBufferBuilder builder, LoweredTensor tensor, uint buffer)
    {
        var quantisation = default(Offset<QuantizationParameters>);
        if (tensor.Quantisation is { } q)
        {
            quantisation = QuantizationParameters.CreateQuantizationParameters(builder,
                scaleOffset: QuantizationParameters.CreateScaleVector(builder, q.Scales.ToArray()),
                zero_pointOffset: QuantizationParameters.CreateZeroPointVector(builder, q.ZeroPoints.Select(z => (long)z).ToArray()),
                quantized_dimension: q.Axis);
        }
        return SchemaTensor.CreateTensor(builder,
            SchemaTensor.CreateShapeVector(builder, tensor.Shape),
            tensor.Type switch
            {
                ElementType.Float32 => TensorType.FLOAT32,
                ElementType.Int8 => TensorType.INT8,
                _ => TensorType.INT32,
            },
            buffer,
            builder.CreateString(tensor.Name),
            quantisation);
    }

    private static (BuiltinOperator Code, BuiltinOptions Type, int Options) Translate(FlatBufferBuilder builder, LoweredOperator op, LoweredGraph graph)
    {
        var padding = op.Padding == ConvPadding.Same ? Padding.SAME : Padding.VALID;
        return op.Kind switch
        {
            LoweredOpKind.Conv2D => (BuiltinOperator.CONV_2D, BuiltinOptions.Conv2DOptions,
                Conv2DOptions.CreateConv2DOptions(builder, padding, stride_w: op.Stride, stride_h: 1,
                    dilation_w_factor: op.Dilation, dilation_h_factor: op.Dilation).Value),
            LoweredOpKind.DepthwiseConv2D => (BuiltinOperator.DEPTHWISE_CONV_2D, BuiltinOptions.DepthwiseConv2DOptions,
                DepthwiseConv2DOptions.CreateDepthwiseConv2DOptions(builder, padding, stride_w: op.Stride, stride_h: 1,
                    depth_multiplier: 1, dilation_w_factor: op.Dilation, dilation_h_factor: op.Dilation).Value),
            LoweredOpKind.TransposeConv => (BuiltinOperator.TRANSPOSE_CONV, BuiltinOptions.TransposeConvOptions,
                TransposeConvOptions.CreateTransposeConvOptions(builder, padding, stride_w: op.Stride, stride_h: 1).Value),
            LoweredOpKind.Add => (BuiltinOperator.ADD, BuiltinOptions.AddOptions, AddOptions.CreateAddOptions(builder).Value),
            LoweredOpKind.Mul => (BuiltinOperator.MUL, BuiltinOptions.MulOptions, MulOptions.CreateMulOptions(builder).Value),
            LoweredOpKind.Pad => (BuiltinOperator.PAD, BuiltinOptions.PadOptions, EmptyPadOptions(builder)),
            LoweredOpKind.Reshape => (BuiltinOperator.RESHAPE, BuiltinOptions.ReshapeOptions,
                ReshapeOptions.CreateReshapeOptions(builder, ReshapeOptions.CreateNewShapeVector(builder, graph.Tensors[op.Output].Shape)).Value),
            LoweredOpKind.LogSoftmax => (BuiltinOperator.LOG_SOFTMAX, BuiltinOptions.LogSoftmaxOptions, EmptyLogSoftmaxOptions(builder)),
            LoweredOpKind.Logistic => (BuiltinOperator.LOGISTIC, BuiltinOptions.NONE, 0),
            LoweredOpKind.Relu => (BuiltinOperator.RELU, BuiltinOptions.NONE, 0),
            LoweredOpKind.Relu6 => (BuiltinOperator.RELU6, BuiltinOptions.NONE, 0),
            _ => throw new GraphException($"graph '{graph.Name}', operator '{op.Name}': {op.Kind} has no TFLite form"),
        };
    }

    private static int EmptyPadOptions(FlatBufferBuilder builder)
    {
        PadOptions.StartPadOptions(builder);
        return PadOptions.EndPadOptions(builder).Value;
    }

    private static int EmptyLogSoftmaxOptions(FlatBufferBuilder builder)
    {
        LogSoftmaxOptions.StartLogSoftmaxOptions(builder);
        return LogSoftmaxOptions.EndLogSoftmaxOptions(builder).Value;
    }

    /// <summary>The operator version TensorFlow's converter would record for these tensor types (int8 kernels need version 2 or 3).</summary>
    private static int Version(LoweredOperator op, LoweredGraph graph)
    {
        var int8 = graph.Tensors[op.FirstActivation].Type == ElementType.Int8;
        return op.Kind switch
        {
            LoweredOpKind.Conv2D => int8 ? 3 : 1,
            LoweredOpKind.DepthwiseConv2D => int8 ? 3 : op.Dilation > 1 ? 2 : 1,
            // Version 3 is the one that reads a bias (the fourth input), float or int8; 2 the int8 one without.
            LoweredOpKind.TransposeConv => op.HasBias ? 3 : int8 ? 2 : 1,
            LoweredOpKind.Reshape => 1,
            _ => int8 ? 2 : 1,
        };
    }

    private static byte[] Bytes(LoweredTensor tensor, Array data) => (tensor.Type, data) switch
    {
        (ElementType.Float32, float[] f) => MemoryMarshal.AsBytes(f.AsSpan()).ToArray(),
        (ElementType.Int8, sbyte[] b) => MemoryMarshal.AsBytes(b.AsSpan()).ToArray(),
        (ElementType.Int32, int[] i) => MemoryMarshal.AsBytes(i.AsSpan()).ToArray(),
        _ => throw new GraphException($"tensor '{tensor.Name}' is {tensor.Type} but holds {data.GetType().Name}"),
    };
}
