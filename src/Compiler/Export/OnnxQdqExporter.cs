using System.Runtime.InteropServices;
using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Lowered;
using Dipper.Compiler.Graph.Operations;
using Dipper.Compiler.Quantisation;
using Google.Protobuf;
using Onnx;

namespace Dipper.Compiler.Export;

/// <summary>
/// Writes the int8 model as ONNX in QDQ form for ONNX Runtime on a CPU: every activation passes
/// through QuantizeLinear/DequantizeLinear with the scale and zero point the TFLite model uses (as uint8, the zero point
/// shifted by 128),
/// weights are int8 initializers with per-channel scales, biases int32 at input × weight scale,
/// all dequantised in front of float operators. ONNX Runtime fuses the pattern into integer kernels
/// (QLinearConv and friends); the arithmetic model is the TFLite one, so the two int8 files agree.
/// Input and output stay float32 ([batch, 1, samples] → [batch, frames, classes]) so the ONNX
/// engine runs this file exactly as it runs the float model.
/// </summary>
public static class OnnxQdqExporter
{
    /// <summary>Serialises the QDQ model for <paramref name="graph"/> (BatchNorm folded, swish lowered) with the quantisation of <paramref name="int8"/>.</summary>
    /// <exception cref="GraphException">A value or weight has no quantisation in <paramref name="int8"/>.</exception>
    public static byte[] Export(ModelGraph graph, LoweredGraph int8) => ToModel(graph, int8).ToByteArray();

    /// <summary>Builds the ONNX message.</summary>
    public static ModelProto ToModel(ModelGraph graph, LoweredGraph int8)
    {
        var writer = new Writer(graph, int8);
        var input = graph.Inputs[0].Name;
        writer.Values[input] = writer.QuantiseDequantise(input, input);
        foreach (var node in graph.Nodes) writer.Translate(node);
        var output = graph.Outputs[0].Name;
        // The last node's dequantised value carries the graph output's name.
        writer.Node("Identity", $"{output}.output", [writer.Values[output]], output);

        var onnx = new GraphProto { Name = $"{graph.Name}_int8" };
        var exported = OnnxExporter.ToModel(graph);
        onnx.Input.AddRange(exported.Graph.Input);
        onnx.Output.AddRange(exported.Graph.Output);
        onnx.Node.AddRange(writer.Nodes);
        onnx.Initializer.AddRange(writer.Initializers);
        var model = new ModelProto { IrVersion = 7, ProducerName = "dipper", Graph = onnx };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = OnnxExporter.Opset });
        return model;
    }

    private sealed class Writer(ModelGraph graph, LoweredGraph int8)
    {
        private readonly Dictionary<string, LoweredTensor> _tensors = int8.Tensors.GroupBy(t => t.Name).ToDictionary(g => g.Key, g => g.First());

        public List<NodeProto> Nodes { get; } = [];

        public List<TensorProto> Initializers { get; } = [];

        /// <summary>Each graph value's dequantised ONNX name.</summary>
        public Dictionary<string, string> Values { get; } = [];

        public void Translate(GraphNode node)
        {
            var x = Values[node.Inputs[0]];
            var raw = $"{node.Output}.float";
            switch (node.Operation)
            {
                case Conv1d conv:
                    var (weight, bias) = Parameters(node.Name, conv.Weight, conv.Bias ?? $"{node.Name}.bias", conv.OutChannels, conv.InChannels / conv.Groups * conv.KernelSize, WeightLayout.OutputChannelsFirst);
                    var c = Node("Conv", node.Name, [x, weight, bias!], raw);
                    c.Attribute.Add(Ints("dilations", conv.Dilation));
                    c.Attribute.Add(new AttributeProto { Name = "group", Type = AttributeProto.Types.AttributeType.Int, I = conv.Groups });
                    c.Attribute.Add(Ints("kernel_shape", conv.KernelSize));
                    c.Attribute.Add(Ints("pads", conv.Padding, conv.Padding));
                    c.Attribute.Add(Ints("strides", conv.Stride));
                    Values[node.Output] = QuantiseDequantise(raw, node.Output);
                    break;
                case ConvTranspose1d transposed:
                    // Without a bias the TFLite model has none either (LowerToNhwc): nothing to dequantise.
                    var (tWeight, tBias) = Parameters(node.Name, transposed.Weight, transposed.Bias, transposed.OutChannels,
                        transposed.InChannels * transposed.KernelSize, WeightLayout.TransposedConvolution);
                    var ct = Node("ConvTranspose", node.Name, tBias is null ? [x, tWeight] : [x, tWeight, tBias], raw);
                    ct.Attribute.Add(Ints("kernel_shape", transposed.KernelSize));
                    ct.Attribute.Add(Ints("pads", transposed.Padding, transposed.Padding));
                    ct.Attribute.Add(Ints("strides", transposed.Stride));
                    Values[node.Output] = QuantiseDequantise(raw, node.Output);
                    break;
                case Linear linear:
                    var (matrix, offset) = Parameters(node.Name, linear.Weight, linear.Bias ?? $"{node.Name}.bias", linear.OutFeatures, linear.InFeatures, WeightLayout.TransposedMatrix);
                    Node("MatMul", $"{node.Name}.matmul", [x, matrix], $"{raw}.product");
                    Node("Add", node.Name, [$"{raw}.product", offset!], raw);
                    Values[node.Output] = QuantiseDequantise(raw, node.Output);
                    break;
                case Logistic:
                    Node("Sigmoid", node.Name, [x], raw);
                    Values[node.Output] = QuantiseDequantise(raw, node.Output);
                    break;
                case Mul or Add or Relu or Relu6:
                    var y = node.Inputs.Count > 1 ? Values[node.Inputs[1]] : null;
                    var op = node.Operation switch { Mul => "Mul", Add => "Add", _ => "Relu" };
                    Node(op, node.Name, y is null ? [x] : [x, y], raw);
                    Values[node.Output] = QuantiseDequantise(raw, node.Output);
                    break;
                case Transpose transpose:
                    // A transpose moves values, it does not change them: no requantisation (TFLite's RESHAPE keeps them too).
                    var t = Node("Transpose", node.Name, [x], $"{node.Output}.dq");
                    t.Attribute.Add(Ints("perm", [.. transpose.Permutation]));
                    Values[node.Output] = $"{node.Output}.dq";
                    break;
                case LogSoftmax softmax:
                    var s = Node("LogSoftmax", node.Name, [x], raw);
                    s.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = softmax.Axis });
                    // Quantised only where the TFLite model quantises it (log-softmax kept in its graph).
                    Values[node.Output] = _tensors.ContainsKey(node.Output) ? QuantiseDequantise(raw, node.Output) : raw;
                    break;
                default:
                    throw new GraphException($"node '{node.Name}': QDQ export of {node.Operation.Kind} is not implemented");
            }
        }

        /// <summary>
        /// QuantizeLinear then DequantizeLinear of <paramref name="value"/> with the int8 model's parameters for
        /// <paramref name="name"/>, written as uint8 with the zero point moved up by 128: the same integers shifted, so the
        /// same arithmetic. ONNX Runtime on x86-64 turns int8 activations into uint8 itself (QDQS8ToU8Transformer), and
        /// with int8 here it left every convolution beside a value two nodes read (the swish reads its input twice, a
        /// residual block's input feeds the block and its 1×1) with a uint8 side and an int8 side, which its QLinearConv
        /// fusion refuses: 33 of 59 convolutions, and every swish and ADD, ran in float between DequantizeLinear and
        /// QuantizeLinear, 2.5× slower than the fused graph (docs/cpu-speed.md).
        /// </summary>
        public string QuantiseDequantise(string value, string name)
        {
            var p = Activation(name);
            var scale = Constant($"{name}.scale", [], [p.Scale]);
            var zero = AddInitializer($"{name}.zero_point", [], TensorProto.Types.DataType.Uint8, [(byte)(p.ZeroPoint + 128)]);
            Node("QuantizeLinear", $"{name}.quantise", [value, scale, zero], $"{name}.q");
            Node("DequantizeLinear", $"{name}.dequantise", [$"{name}.q", scale, zero], $"{name}.dq");
            return $"{name}.dq";
        }

        private QuantisationParameters Activation(string name) =>
            _tensors.TryGetValue(name, out var t) && t.Quantisation is { IsPerTensor: true } q && !t.IsConstant
                ? q.Parameters
                : throw new GraphException($"value '{name}' has no int8 quantisation in the TFLite model");

        /// <summary>
        /// Dequantised int8 weight (ONNX layout, per output channel) and int32 bias, quantised with the
        /// TFLite model's scales so both files hold the same integers.
        /// </summary>
        private (string Weight, string? Bias) Parameters(string node, string weightName, string? biasName, int channels, int perChannel, WeightLayout layout)
        {
            var filter = Lowered(weightName);
            var scales = filter.Quantisation!.Scales.ToArray();
            var weight = graph.Weights[weightName];
            var values = weight.Values;
            // A ConvTranspose weight is [in, out, k]: output channel o's value j = (i, tap) sits at (i·out + o)·k + tap.
            var taps = layout == WeightLayout.TransposedConvolution ? weight.Shape[2] : 1;
            int Index(int o, int j) => layout == WeightLayout.TransposedConvolution ? (j / taps * channels + o) * taps + j % taps : o * perChannel + j;
            var q = new sbyte[values.Length];
            for (var o = 0; o < channels; o++)
            {
                for (var j = 0; j < perChannel; j++)
                {
                    var v = MathF.Round(values[Index(o, j)] * (1f / scales[o]), MidpointRounding.AwayFromZero);
                    // MatMul wants [in, out]: the transposed layout, scales along axis 1.
                    q[layout == WeightLayout.TransposedMatrix ? j * channels + o : Index(o, j)] = (sbyte)Math.Clamp(v, -127, 127);
                }
            }
            var transpose = layout != WeightLayout.OutputChannelsFirst;
            var shape = layout == WeightLayout.TransposedMatrix ? new[] { perChannel, channels } : weight.Shape.ToArray();
            var w = Int8Constant($"{weightName}.int8", shape, q);
            var ws = Constant($"{weightName}.scale", [channels], scales);
            var wz = Int8Constant($"{weightName}.zero_point", [channels], new sbyte[channels]);
            var dq = Node("DequantizeLinear", $"{node}.weight.dequantise", [w, ws, wz], $"{weightName}.dq");
            dq.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = transpose ? 1 : 0 });

            if (biasName is null) return ($"{weightName}.dq", null);
            var bias = Lowered(biasName);
            var b = Int32Constant($"{biasName}.int32", [channels], (int[])bias.Data!);
            var bs = Constant($"{biasName}.scale", [channels], bias.Quantisation!.Scales.ToArray());
            var bz = Int32Constant($"{biasName}.zero_point", [channels], new int[channels]);
            var bdq = Node("DequantizeLinear", $"{node}.bias.dequantise", [b, bs, bz], $"{biasName}.dq");
            bdq.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 0 });
            return ($"{weightName}.dq", $"{biasName}.dq");
        }

        /// <summary>Where a weight keeps its output channels: first (Conv), or second (MatMul's [in, out], ConvTranspose's [in, out, k]).</summary>
        private enum WeightLayout
        {
            OutputChannelsFirst,
            TransposedMatrix,
            TransposedConvolution,
        }

        private LoweredTensor Lowered(string name) =>
            _tensors.TryGetValue(name, out var t) && t.Quantisation is not null
                ? t
                : throw new GraphException($"weight '{name}' has no int8 quantisation in the TFLite model");

        public NodeProto Node(string opType, string name, string[] inputs, string output)
        {
            var node = new NodeProto { OpType = opType, Name = name };
            node.Input.AddRange(inputs);
            node.Output.Add(output);
            Nodes.Add(node);
            return node;
        }

        private string Constant(string name, int[] shape, float[] values) =>
            AddInitializer(name, shape, TensorProto.Types.DataType.Float, MemoryMarshal.AsBytes(values.AsSpan()));

        private string Int8Constant(string name, int[] shape, sbyte[] values) =>
            AddInitializer(name, shape, TensorProto.Types.DataType.Int8, MemoryMarshal.AsBytes(values.AsSpan()));

        private string Int32Constant(string name, int[] shape, int[] values) =>
            AddInitializer(name, shape, TensorProto.Types.DataType.Int32, MemoryMarshal.AsBytes(values.AsSpan()));

        private string AddInitializer(string name, int[] shape, TensorProto.Types.DataType type, ReadOnlySpan<byte> bytes)
        {
            // Little-endian hosts only (x86-64, ARM64), as ONNX's raw_data is little-endian.
            var tensor = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(bytes) };
            tensor.Dims.AddRange(shape.Select(d => (long)d));
            Initializers.Add(tensor);
            return name;
        }

        private static AttributeProto Ints(string name, params long[] values)
        {
            var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
            attribute.Ints.AddRange(values);
            return attribute;
        }
    }
}
