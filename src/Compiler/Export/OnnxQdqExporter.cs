using System.Runtime.InteropServices;
using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Lowered;
using Dipper.Compiler.Graph.Operations;
using Dipper.Basecaller.Inference;
using Dipper.Compiler.Quantisation;
using Google.Protobuf;
using Onnx;

namespace Dipper.Compiler.Export;

/// <summary>
/// Writes the int8 model as ONNX for ONNX Runtime on a CPU, with the TFLite model's integers: every activation has the
/// scale and zero point the TFLite model gives it (as uint8, the zero point shifted by 128), weights are int8 with
/// per-channel scales, biases int32 at input × weight scale, so the two int8 files compute nearly the same (requantising
/// and the swish round differently). Input and output stay float32 ([batch, 1, samples] → [batch, frames, classes]) so the ONNX
/// engine runs this file exactly as it runs the float model.
/// A swish (σ, then the product with its input) is written as one <c>ai.dipper.QLinearTable</c> over the quantised input:
/// x·σ(x) for all 256 inputs, in one lookup instead of ONNX Runtime's QLinearSigmoid and QLinearMul (a third of the
/// model's time, docs/cpu-speed.md §10). Sessions need <c>DipperOperators</c> added to their options, as the ONNX
/// engine does. Convolutions are ONNX Runtime's channels-last <c>com.microsoft.QLinearConv</c>, residual sums its
/// <c>QLinearAdd</c>; what has no integer operator (the head's product, log-softmax, transposed convolutions) stays
/// DequantizeLinear → float operator → QuantizeLinear.
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
        writer.Quantise(input, input);
        foreach (var node in graph.Nodes) writer.Translate(node);
        var output = graph.Outputs[0].Name;
        // The last node's dequantised value carries the graph output's name.
        writer.Node("Identity", $"{output}.output", [writer.Float(output)], output);

        var onnx = new GraphProto { Name = $"{graph.Name}_int8" };
        var exported = OnnxExporter.ToModel(graph);
        onnx.Input.AddRange(exported.Graph.Input);
        onnx.Output.AddRange(exported.Graph.Output);
        // A swish's input is read by its table as uint8, and often by nothing else: its DequantizeLinear would be
        // computed for nothing (ONNX Runtime keeps a node nobody reads and runs it).
        var nodes = WithoutUnreadNodes(writer.Nodes, [output]);
        var read = nodes.SelectMany(n => n.Input).ToHashSet();
        onnx.Node.AddRange(nodes);
        onnx.Initializer.AddRange(writer.Initializers.Where(t => read.Contains(t.Name)));
        var model = new ModelProto { IrVersion = 7, ProducerName = "dipper", Graph = onnx };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = OnnxExporter.Opset });
        if (nodes.Any(n => n.Domain == DipperOperators.Domain))
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = DipperOperators.Domain, Version = DipperOperators.DomainVersion });
        if (nodes.Any(n => n.Domain == MicrosoftDomain))
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = MicrosoftDomain, Version = 1 });
        return model;
    }

    private static List<NodeProto> WithoutUnreadNodes(List<NodeProto> nodes, IReadOnlyList<string> outputs)
    {
        var kept = nodes;
        while (true)
        {
            var read = kept.SelectMany(n => n.Input).Concat(outputs).ToHashSet();
            var next = kept.Where(n => n.Output.Any(read.Contains)).ToList();
            if (next.Count == kept.Count) return kept;
            kept = next;
        }
    }

    /// <summary>ONNX Runtime's contrib domain, where its channels-last QLinearConv and its QLinearAdd live.</summary>
    private const string MicrosoftDomain = "com.microsoft";

    /// <summary>
    /// The ONNX tensors one graph value is written as: float in its own layout, uint8 in its own layout, and (for a
    /// [batch, channels, frames] value) uint8 channels-last; each made when a reader first needs it.
    /// </summary>
    private sealed class ValueForms
    {
        public string? Float { get; set; }

        public string? Plain { get; set; }

        public string? ChannelsLast { get; set; }

        /// <summary>The value whose quantisation this one's integers carry, when not its own (a transpose's output).</summary>
        public string? QuantisedAs { get; set; }
    }

    private sealed class Writer(ModelGraph graph, LoweredGraph int8)
    {
        private readonly Dictionary<string, LoweredTensor> _tensors = int8.Tensors.GroupBy(t => t.Name).ToDictionary(g => g.Key, g => g.First());
        private readonly ILookup<string, GraphNode> _consumers = graph.Nodes.SelectMany(n => n.Inputs.Distinct().Select(i => (i, n))).ToLookup(p => p.i, p => p.n);
        private readonly HashSet<string> _graphOutputs = [.. graph.Outputs.Select(o => o.Name)];

        /// <summary>Each σ of a swish not written out: its output name → its input's name.</summary>
        private readonly Dictionary<string, string> _swishSigmoids = [];

        /// <summary>The ONNX tensors each graph value has been written as so far.</summary>
        private readonly Dictionary<string, ValueForms> _forms = [];

        /// <summary>Each quantised value's scale and zero-point initializers, written once.</summary>
        private readonly Dictionary<string, (string, string)> _scales = [];

        public List<NodeProto> Nodes { get; } = [];

        public List<TensorProto> Initializers { get; } = [];

        public void Translate(GraphNode node)
        {
            var raw = $"{node.Output}.float";
            switch (node.Operation)
            {
                case Conv1d conv:
                    // ONNX Runtime's integer convolution in channels-last layout, written so: left to its own layout
                    // pass, a model whose swish is a table stays channels-first, and each QLinearConv then reorders its
                    // input and output itself (a quarter of the model's time, docs/cpu-speed.md).
                    var integers = QuantisedParameters(conv.Weight, conv.Bias ?? $"{node.Name}.bias", conv.OutChannels, conv.InChannels / conv.Groups * conv.KernelSize, WeightLayout.OutputChannelsFirst);
                    var (xs, xz) = ScaleAndZeroPoint(node.Inputs[0]);
                    var (ys, yz) = ScaleAndZeroPoint(node.Output);
                    var c = Node("QLinearConv", node.Name,
                        [ChannelsLast(node.Inputs[0]), xs, xz, integers.Weight, integers.WeightScale, integers.WeightZeroPoint, ys, yz, integers.Bias!],
                        $"{node.Output}.q.nlc");
                    c.Domain = MicrosoftDomain;
                    c.Attribute.Add(new AttributeProto { Name = "channels_last", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
                    c.Attribute.Add(Ints("dilations", conv.Dilation));
                    c.Attribute.Add(new AttributeProto { Name = "group", Type = AttributeProto.Types.AttributeType.Int, I = conv.Groups });
                    c.Attribute.Add(Ints("kernel_shape", conv.KernelSize));
                    c.Attribute.Add(Ints("pads", conv.Padding, conv.Padding));
                    c.Attribute.Add(Ints("strides", conv.Stride));
                    Form(node.Output).ChannelsLast = $"{node.Output}.q.nlc";
                    break;
                case ConvTranspose1d transposed:
                    // Without a bias the TFLite model has none either (LowerToNhwc): nothing to dequantise.
                    var (tWeight, tBias) = Parameters(node.Name, transposed.Weight, transposed.Bias, transposed.OutChannels,
                        transposed.InChannels * transposed.KernelSize, WeightLayout.TransposedConvolution);
                    var x = Float(node.Inputs[0]);
                    var ct = Node("ConvTranspose", node.Name, tBias is null ? [x, tWeight] : [x, tWeight, tBias], raw);
                    ct.Attribute.Add(Ints("kernel_shape", transposed.KernelSize));
                    ct.Attribute.Add(Ints("pads", transposed.Padding, transposed.Padding));
                    ct.Attribute.Add(Ints("strides", transposed.Stride));
                    Quantise(raw, node.Output);
                    break;
                case Linear linear:
                    var (matrix, offset) = Parameters(node.Name, linear.Weight, linear.Bias ?? $"{node.Name}.bias", linear.OutFeatures, linear.InFeatures, WeightLayout.TransposedMatrix);
                    Node("MatMul", $"{node.Name}.matmul", [Float(node.Inputs[0]), matrix], $"{raw}.product");
                    Node("Add", node.Name, [$"{raw}.product", offset!], raw);
                    Quantise(raw, node.Output);
                    break;
                case Logistic when IsSwishSigmoid(node):
                    // Written with the product that follows, as one table.
                    _swishSigmoids[node.Output] = node.Inputs[0];
                    break;
                case Logistic:
                    Node("Sigmoid", node.Name, [Float(node.Inputs[0])], raw);
                    Quantise(raw, node.Output);
                    break;
                case Mul when SwishInput(node) is { } input:
                    var table = AddInitializer($"{node.Name}.table", [ByteTable.Entries], TensorProto.Types.DataType.Uint8,
                        SwishTable(input, node.Inputs.First(_swishSigmoids.ContainsKey), node.Output));
                    // An elementwise table keeps the layout it is given.
                    var inForm = Form(input);
                    var channelsLast = inForm.ChannelsLast is not null;
                    var lookedUp = $"{node.Output}.q{(channelsLast ? ".nlc" : "")}";
                    var lookup = Node(TableLookupOperator.Name, node.Name, [channelsLast ? inForm.ChannelsLast! : Plain(input), table], lookedUp);
                    lookup.Domain = DipperOperators.Domain;
                    if (channelsLast) Form(node.Output).ChannelsLast = lookedUp;
                    else Form(node.Output).Plain = lookedUp;
                    break;
                case Add when node.Inputs.Count == 2 && node.Inputs.All(i => Form(i).ChannelsLast is not null):
                    // The residual sum of two channels-last values: ONNX Runtime's integer ADD, whatever the layout.
                    var (a, b) = (node.Inputs[0], node.Inputs[1]);
                    var (@as, az) = ScaleAndZeroPoint(a);
                    var (bs, bz) = ScaleAndZeroPoint(b);
                    var (cs, cz) = ScaleAndZeroPoint(node.Output);
                    var add = Node("QLinearAdd", node.Name, [Form(a).ChannelsLast!, @as, az, Form(b).ChannelsLast!, bs, bz, cs, cz], $"{node.Output}.q.nlc");
                    add.Domain = MicrosoftDomain;
                    Form(node.Output).ChannelsLast = $"{node.Output}.q.nlc";
                    break;
                case Mul or Add or Relu or Relu6:
                    var y = node.Inputs.Count > 1 ? Float(node.Inputs[1]) : null;
                    var op = node.Operation switch { Mul => "Mul", Add => "Add", _ => "Relu" };
                    var first = Float(node.Inputs[0]);
                    Node(op, node.Name, y is null ? [first] : [first, y], raw);
                    Quantise(raw, node.Output);
                    break;
                case Transpose { Permutation: [0, 2, 1] } when Form(node.Inputs[0]).ChannelsLast is { } nlc:
                    // [batch, channels, frames] → [batch, frames, channels] of a channels-last value: the same bytes,
                    // with the input's quantisation (a transpose does not requantise; TFLite's RESHAPE neither).
                    var moved = Form(node.Output);
                    moved.Plain = nlc;
                    moved.QuantisedAs = Form(node.Inputs[0]).QuantisedAs ?? node.Inputs[0];
                    break;
                case Transpose transpose:
                    // A transpose moves values, it does not change them: no requantisation (TFLite's RESHAPE keeps them too).
                    var t = Node("Transpose", node.Name, [Float(node.Inputs[0])], $"{node.Output}.dq");
                    t.Attribute.Add(Ints("perm", [.. transpose.Permutation]));
                    Form(node.Output).Float = $"{node.Output}.dq";
                    break;
                case LogSoftmax softmax:
                    var s = Node("LogSoftmax", node.Name, [Float(node.Inputs[0])], raw);
                    s.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = softmax.Axis });
                    // Quantised only where the TFLite model quantises it (log-softmax kept in its graph).
                    if (_tensors.ContainsKey(node.Output)) Quantise(raw, node.Output);
                    else Form(node.Output).Float = raw;
                    break;
                default:
                    throw new GraphException($"node '{node.Name}': QDQ export of {node.Operation.Kind} is not implemented");
            }
        }

        /// <summary>
        /// QuantizeLinear of <paramref name="value"/> with the int8 model's parameters for <paramref name="name"/>,
        /// written as uint8 with the zero point moved up by 128: the same integers shifted, so the same arithmetic.
        /// ONNX Runtime on x86-64 turns int8 activations into uint8 itself (QDQS8ToU8Transformer), and with int8 here it
        /// left every convolution beside a value two nodes read (the swish reads its input twice, a residual block's
        /// input feeds the block and its 1×1) with a uint8 side and an int8 side, which its QLinearConv fusion refuses:
        /// 33 of 59 convolutions, and every swish and ADD, ran in float between DequantizeLinear and QuantizeLinear, 2.5×
        /// slower than the fused graph (docs/cpu-speed.md).
        /// </summary>
        public void Quantise(string value, string name)
        {
            var (scale, zero) = ScaleAndZeroPoint(name);
            Node("QuantizeLinear", $"{name}.quantise", [value, scale, zero], $"{name}.q");
            Form(name).Plain = $"{name}.q";
        }

        /// <summary>The value in float, in its own layout: dequantised (and moved back from channels-last) when needed.</summary>
        public string Float(string name)
        {
            var form = Form(name);
            if (form.Float is { } f) return f;
            var (scale, zero) = ScaleAndZeroPoint(form.QuantisedAs ?? name);
            Node("DequantizeLinear", $"{name}.dequantise", [Plain(name), scale, zero], $"{name}.dq");
            return form.Float = $"{name}.dq";
        }

        /// <summary>The value as uint8 in its own layout.</summary>
        private string Plain(string name)
        {
            var form = Form(name);
            if (form.Plain is { } p) return p;
            var channelsLast = form.ChannelsLast ?? throw new GraphException($"value '{name}' has no quantised form");
            var t = Node("Transpose", $"{name}.channels_first", [channelsLast], $"{name}.q");
            t.Attribute.Add(Ints("perm", 0, 2, 1));
            return form.Plain = $"{name}.q";
        }

        /// <summary>A [batch, channels, frames] value as uint8 [batch, frames, channels].</summary>
        private string ChannelsLast(string name)
        {
            var form = Form(name);
            if (form.ChannelsLast is { } c) return c;
            var t = Node("Transpose", $"{name}.channels_last", [Plain(name)], $"{name}.q.nlc");
            t.Attribute.Add(Ints("perm", 0, 2, 1));
            return form.ChannelsLast = $"{name}.q.nlc";
        }

        private ValueForms Form(string name) => _forms.TryGetValue(name, out var f) ? f : _forms[name] = new ValueForms();

        private (string Scale, string ZeroPoint) ScaleAndZeroPoint(string name)
        {
            if (_scales.TryGetValue(name, out var known)) return known;
            var p = Activation(name);
            return _scales[name] = (Constant($"{name}.scale", [], [p.Scale]),
                AddInitializer($"{name}.zero_point", [], TensorProto.Types.DataType.Uint8, [(byte)(p.ZeroPoint + 128)]));
        }

        /// <summary>A σ whose only reader is a product of it with σ's own input: the pair is a swish.</summary>
        private bool IsSwishSigmoid(GraphNode node)
        {
            if (_graphOutputs.Contains(node.Output)) return false;
            var readers = _consumers[node.Output].ToArray();
            return readers is [{ Operation: Mul } mul] && mul.Inputs.Count == 2 && mul.Inputs.Contains(node.Inputs[0])
                && _forms.TryGetValue(node.Inputs[0], out var form) && (form.Plain ?? form.ChannelsLast) is not null;
        }

        /// <summary>For the product of a swish, the swish's input; null for any other product.</summary>
        private string? SwishInput(GraphNode mul)
        {
            var sigmoid = mul.Inputs.FirstOrDefault(_swishSigmoids.ContainsKey);
            return sigmoid is not null && mul.Inputs.Contains(_swishSigmoids[sigmoid]) ? _swishSigmoids[sigmoid] : null;
        }

        /// <summary>
        /// x·σ(x) of every int8 input, rounded once to the output's grid, indexed and valued as uint8 (the int8 value + 128,
        /// as the Q/DQ pairs here). TFLite rounds twice, σ to its fixed 1/256 grid and then the product, which caps σ at
        /// 255/256 and shrinks every large activation by 0.4 %: tabulated that way the model called the 80 E. coli reads
        /// at 0.8905 identity, rounded once at 0.8913 (the float model: 0.8939; docs/cpu-speed.md §10).
        /// </summary>
        private byte[] SwishTable(string input, string sigmoid, string output)
        {
            var (px, ps, py) = (Activation(input), Activation(sigmoid), Activation(output));
            var x = new sbyte[ByteTable.Entries];
            for (var u = 0; u < x.Length; u++) x[u] = (sbyte)(u - 128);
            var table = new byte[x.Length];
            for (var u = 0; u < table.Length; u++)
            {
                var real = (double)px.Dequantise(x[u]);
                table[u] = (byte)(py.Quantise((float)(real / (1 + Math.Exp(-real)))) + 128);
            }
            return table;
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
            var q = QuantisedParameters(weightName, biasName, channels, perChannel, layout);
            var dq = Node("DequantizeLinear", $"{node}.weight.dequantise", [q.Weight, q.WeightScale, q.WeightZeroPoint], $"{weightName}.dq");
            dq.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = layout != WeightLayout.OutputChannelsFirst ? 1 : 0 });
            if (q.Bias is null) return ($"{weightName}.dq", null);
            var bdq = Node("DequantizeLinear", $"{node}.bias.dequantise", [q.Bias, q.BiasScale!, q.BiasZeroPoint!], $"{biasName}.dq");
            bdq.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 0 });
            return ($"{weightName}.dq", $"{biasName}.dq");
        }

        /// <summary>The int8 weight (per output channel) and int32 bias initializers with their scales and zero points, named by the weight and bias.</summary>
        private QuantisedWeights QuantisedParameters(string weightName, string? biasName, int channels, int perChannel, WeightLayout layout)
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
            var shape = layout == WeightLayout.TransposedMatrix ? new[] { perChannel, channels } : weight.Shape.ToArray();
            var w = Int8Constant($"{weightName}.int8", shape, q);
            var ws = Constant($"{weightName}.scale", [channels], scales);
            var wz = Int8Constant($"{weightName}.zero_point", [channels], new sbyte[channels]);
            if (biasName is null) return new QuantisedWeights(w, ws, wz, null, null, null);
            var bias = Lowered(biasName);
            var b = Int32Constant($"{biasName}.int32", [channels], (int[])bias.Data!);
            var bs = Constant($"{biasName}.scale", [channels], bias.Quantisation!.Scales.ToArray());
            var bz = Int32Constant($"{biasName}.zero_point", [channels], new int[channels]);
            return new QuantisedWeights(w, ws, wz, b, bs, bz);
        }

        /// <summary>Initializer names of a layer's quantised weight and bias.</summary>
        private sealed record QuantisedWeights(string Weight, string WeightScale, string WeightZeroPoint, string? Bias, string? BiasScale, string? BiasZeroPoint);

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
