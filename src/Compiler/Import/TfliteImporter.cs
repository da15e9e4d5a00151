using System.Runtime.InteropServices;
using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Lowered;
using Dipper.Tpu.Schema;
using Google.FlatBuffers;

namespace Dipper.Compiler.Import;

/// <summary>
/// Reads a .tflite model that <see cref="Export.TfliteExporter"/> wrote back into a <see cref="LoweredGraph"/>, so a
/// model already in a package (the bundled <c>model_int8.tflite</c>) can be run by the managed int8 reference without
/// compiling it again. It reads the exporter's subset only: one subgraph, the builtin operators of
/// <see cref="LoweredOpKind"/> without fused activations, [batch, samples, 1] in and [batch, frames, classes] out.
/// </summary>
public static class TfliteImporter
{
    /// <summary>
    /// The file's graph. The file does not say whether the source model's log-softmax was left to the host, so a
    /// graph without LOG_SOFTMAX is taken to end at class scores (every Dipper base caller ends in one or the other).
    /// </summary>
    /// <exception cref="InvalidDataException">Not a TFLite model, or one outside the exporter's subset (named).</exception>
    public static LoweredGraph Read(string path) => Read(File.ReadAllBytes(path), path);

    /// <summary>The graph of a model held in memory; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="InvalidDataException">Not a TFLite model, or one outside the exporter's subset (named).</exception>
    public static LoweredGraph Read(byte[] model, string source)
    {
        var buffer = new ByteBuffer(model);
        if (model.Length < 8 || !Model.ModelBufferHasIdentifier(buffer))
            throw new InvalidDataException($"{source}: not a TFLite model (no TFL3 identifier)");
        ModelT file;
        try
        {
            file = Model.GetRootAsModel(buffer).UnPack();
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or IndexOutOfRangeException)
        {
            throw new InvalidDataException($"{source}: damaged TFLite model: {e.Message}", e);
        }
        if (file.Subgraphs is not [var graph])
            throw new InvalidDataException($"{source}: {file.Subgraphs?.Count ?? 0} subgraphs; a Dipper model has one");
        if (graph.Inputs is not [var input] || graph.Outputs is not [var output])
            throw new InvalidDataException($"{source}: a Dipper model has one input and one output");

        var tensors = graph.Tensors.Select(t => Tensor(t, file.Buffers, source)).ToArray();
        var operators = graph.Operators.Select(op => Operator(op, file.OperatorCodes, tensors, source)).ToArray();
        var inputShape = tensors[input].Shape;
        if (inputShape.Length != 3 || inputShape[2] != 1)
            throw new InvalidDataException($"{source}: input {tensors[input].ShapeText} is not [batch, samples, 1]");
        return new LoweredGraph(Path.GetFileNameWithoutExtension(source), tensors, operators, input, output,
            batch: inputShape[0], samples: inputShape[1], outputIsLogits: operators.All(o => o.Kind != LoweredOpKind.LogSoftmax));
    }

    private static LoweredTensor Tensor(TensorT tensor, List<BufferT> buffers, string source)
    {
        var type = tensor.Type switch
        {
            TensorType.FLOAT32 => ElementType.Float32,
            TensorType.INT8 => ElementType.Int8,
            TensorType.INT32 => ElementType.Int32,
            _ => throw new InvalidDataException($"{source}: tensor '{tensor.Name}' is {tensor.Type}; Dipper models hold float32, int8 and int32"),
        };
        var bytes = tensor.Buffer < buffers.Count ? buffers[(int)tensor.Buffer].Data : null;
        Array? data = bytes is { Count: > 0 } ? type switch
        {
            ElementType.Float32 => MemoryMarshal.Cast<byte, float>(CollectionsMarshal.AsSpan(bytes)).ToArray(),
            ElementType.Int8 => MemoryMarshal.Cast<byte, sbyte>(CollectionsMarshal.AsSpan(bytes)).ToArray(),
            _ => MemoryMarshal.Cast<byte, int>(CollectionsMarshal.AsSpan(bytes)).ToArray(),
        } : null;
        var q = tensor.Quantization;
        var quantisation = q?.Scale is { Count: > 0 }
            ? new TensorQuantisation(q.Scale.ToArray(), q.ZeroPoint.Select(z => (int)z).ToArray(), q.QuantizedDimension)
            : null;
        var lowered = new LoweredTensor { Name = tensor.Name ?? "", Shape = [.. tensor.Shape], Type = type, Quantisation = quantisation, Data = data };
        if (data is not null && data.Length != lowered.ElementCount)
            throw new InvalidDataException($"{source}: tensor '{tensor.Name}' {lowered.ShapeText} holds {data.Length} values");
        return lowered;
    }

    private static LoweredOperator Operator(OperatorT op, List<OperatorCodeT> codes, LoweredTensor[] tensors, string source)
    {
        var code = codes[(int)op.OpcodeIndex];
        // Files of TFLite before 2.4 carry the code in the deprecated byte only.
        var builtin = (BuiltinOperator)Math.Max((int)code.BuiltinCode, code.DeprecatedBuiltinCode);
        var name = tensors[op.Outputs[0]].Name;
        var options = op.BuiltinOptions;
        LoweredOperator Make(LoweredOpKind kind, int stride = 1, int dilation = 1, Padding padding = Padding.VALID,
            ActivationFunctionType activation = ActivationFunctionType.NONE, int strideH = 1)
        {
            if (activation != ActivationFunctionType.NONE || strideH != 1)
                throw new InvalidDataException($"{source}: {builtin} '{name}' has a fused activation or a stride along the batch; Dipper models have neither");
            return new LoweredOperator
            {
                Kind = kind, Name = name, Inputs = [.. op.Inputs], Output = op.Outputs[0], Stride = stride, Dilation = dilation,
                Padding = padding == Padding.SAME ? ConvPadding.Same : ConvPadding.Valid,
            };
        }
        return builtin switch
        {
            BuiltinOperator.CONV_2D when options.AsConv2DOptions() is { } c =>
                Make(LoweredOpKind.Conv2D, c.StrideW, c.DilationWFactor, c.Padding, c.FusedActivationFunction, c.StrideH),
            BuiltinOperator.DEPTHWISE_CONV_2D when options.AsDepthwiseConv2DOptions() is { } d =>
                d.DepthMultiplier is 1 or 0
                    ? Make(LoweredOpKind.DepthwiseConv2D, d.StrideW, d.DilationWFactor, d.Padding, d.FusedActivationFunction, d.StrideH)
                    : throw new InvalidDataException($"{source}: DEPTHWISE_CONV_2D '{name}' has depth multiplier {d.DepthMultiplier}; Dipper models use 1"),
            BuiltinOperator.TRANSPOSE_CONV when options.AsTransposeConvOptions() is { } t =>
                Make(LoweredOpKind.TransposeConv, t.StrideW, 1, t.Padding, t.FusedActivationFunction, t.StrideH),
            BuiltinOperator.ADD => Make(LoweredOpKind.Add, activation: options.AsAddOptions()?.FusedActivationFunction ?? ActivationFunctionType.NONE),
            BuiltinOperator.MUL => Make(LoweredOpKind.Mul, activation: options.AsMulOptions()?.FusedActivationFunction ?? ActivationFunctionType.NONE),
            BuiltinOperator.PAD => Make(LoweredOpKind.Pad),
            BuiltinOperator.RESHAPE => Make(LoweredOpKind.Reshape),
            BuiltinOperator.LOG_SOFTMAX => Make(LoweredOpKind.LogSoftmax),
            BuiltinOperator.LOGISTIC => Make(LoweredOpKind.Logistic),
            BuiltinOperator.RELU => Make(LoweredOpKind.Relu),
            BuiltinOperator.RELU6 => Make(LoweredOpKind.Relu6),
            _ => throw new InvalidDataException($"{source}: operator {builtin} ('{name}') is not one Dipper's exporter writes"),
        };
    }
}
