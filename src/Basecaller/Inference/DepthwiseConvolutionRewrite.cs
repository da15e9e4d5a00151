using Dipper.Basecaller.Inference.Int8;
using Google.Protobuf;
using Onnx;

namespace Dipper.Basecaller.Inference;

/// <summary>
/// Puts <see cref="DepthwiseConvolutionOperator"/> in place of each depthwise layer of an int8 ONNX model that the kernel
/// computes exactly as ONNX Runtime would: a channels-last <c>com.microsoft.QLinearConv</c> whose groups equal its
/// channels (in sixteens), with an odd number of taps up to 15, stride 1, dilation 1, "same" padding, uint8 activations and
/// int8 weights of zero point 0. Every other node, and the model's file in its package, stay as they are: the engine
/// rewrites the bytes it hands ONNX Runtime, and only on a CPU the kernel runs on, so a package compiled once runs
/// anywhere (an arm64 appliance keeps ONNX Runtime's own kernels).
/// </summary>
public static class DepthwiseConvolutionRewrite
{
    private const string MicrosoftDomain = "com.microsoft";

    /// <summary>
    /// The model with its eligible depthwise layers replaced, and how many were; the same bytes and 0 when none is (a
    /// float model, or one whose layers the kernel does not fit).
    /// </summary>
    /// <exception cref="InvalidProtocolBufferException">The bytes are not an ONNX model.</exception>
    public static (byte[] Model, int Replaced) Apply(byte[] model)
    {
        ArgumentNullException.ThrowIfNull(model);
        // A float model has no QLinearConv at all: not worth parsing.
        if (model.AsSpan().IndexOf("QLinearConv"u8) < 0) return (model, 0);
        var parsed = ModelProto.Parser.ParseFrom(model);
        var graph = parsed.Graph;
        var initializers = graph.Initializer.ToDictionary(t => t.Name);
        var replaced = 0;
        for (var i = 0; i < graph.Node.Count; i++)
        {
            var node = graph.Node[i];
            if (!Eligible(node, initializers)) continue;
            var rewritten = new NodeProto { Name = node.Name, OpType = DepthwiseConvolutionOperator.Name, Domain = DipperOperators.Domain };
            rewritten.Input.AddRange(node.Input);
            rewritten.Output.AddRange(node.Output);
            graph.Node[i] = rewritten;
            replaced++;
        }
        if (replaced == 0) return (model, 0);
        if (!parsed.OpsetImport.Any(o => o.Domain == DipperOperators.Domain))
            parsed.OpsetImport.Add(new OperatorSetIdProto { Domain = DipperOperators.Domain, Version = DipperOperators.DomainVersion });
        return (parsed.ToByteArray(), replaced);
    }

    /// <summary>True for a node the operator computes as ONNX Runtime's QLinearConv would.</summary>
    private static bool Eligible(NodeProto node, Dictionary<string, TensorProto> initializers)
    {
        if (node.OpType != "QLinearConv" || node.Domain != MicrosoftDomain || node.Input.Count != DepthwiseConvolutionOperator.Inputs) return false;
        var attributes = node.Attribute.ToDictionary(a => a.Name);
        long Int(string name, long fallback) => attributes.TryGetValue(name, out var a) ? a.I : fallback;
        long[] Ints(string name) => attributes.TryGetValue(name, out var a) ? [.. a.Ints] : [];
        if (Int("channels_last", 0) != 1) return false;
        // The weights, their zero points and the activations' zero points must be constants of the right types.
        if (!initializers.TryGetValue(node.Input[3], out var weights) || weights.DataType != (int)TensorProto.Types.DataType.Int8) return false;
        if (weights.Dims.Count != 3 || weights.Dims[1] != 1) return false;
        var (channels, taps) = (weights.Dims[0], weights.Dims[2]);
        if (!DepthwiseConvolution.Fits((int)Math.Min(channels, int.MaxValue), (int)Math.Min(taps, int.MaxValue))) return false;
        if (Int("group", 1) != channels) return false;
        if (Ints("kernel_shape") is { Length: > 0 } kernel && (kernel.Length != 1 || kernel[0] != taps)) return false;
        if (Ints("strides") is { Length: > 0 } strides && strides.Any(s => s != 1)) return false;
        if (Ints("dilations") is { Length: > 0 } dilations && dilations.Any(d => d != 1)) return false;
        if (attributes.TryGetValue("auto_pad", out var autoPad) && autoPad.S.ToStringUtf8() is not ("" or "NOTSET")) return false;
        if (Ints("pads") is not [var left, var right] || left != taps / 2 || right != taps / 2) return false;
        if (!initializers.TryGetValue(node.Input[4], out var weightScales) || weightScales.Dims.Aggregate(1L, (a, d) => a * d) is var scales && scales != 1 && scales != channels) return false;
        if (!IsUInt8(node.Input[2], initializers) || !IsUInt8(node.Input[7], initializers)) return false;
        if (!initializers.TryGetValue(node.Input[5], out var weightZeros) || weightZeros.DataType != (int)TensorProto.Types.DataType.Int8) return false;
        if (weightZeros.RawData.Span.IndexOfAnyExcept((byte)0) >= 0 || weightZeros.Int32Data.Any(z => z != 0)) return false;
        // A bias is required: the operator reads all nine inputs.
        return node.Input[8].Length > 0;
    }

    private static bool IsUInt8(string name, Dictionary<string, TensorProto> initializers) =>
        initializers.TryGetValue(name, out var t) && t.DataType == (int)TensorProto.Types.DataType.Uint8;
}
