using System.Buffers.Binary;
using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Operations;
using Onnx;

namespace Dipper.Compiler.Import;

/// <summary>
/// Reads back the ONNX models Dipper writes (<see cref="Export.OnnxExporter"/>): Conv (1-D, or 2-D over
/// the height-1 image between Unsqueeze and Squeeze), ConvTranspose (likewise), BatchNormalization, Sigmoid·Mul (swish), Relu,
/// Clip to [0, 6] (ReLU6), Add, MatMul + Add (linear), Transpose and LogSoftmax over float32 initializers, so a model package
/// can be recompiled without its PyTorch checkpoint. It is not a general ONNX importer: anything else
/// is refused with the node's name and operator.
/// </summary>
public static class OnnxImporter
{
    private const string TransposedSuffix = ".transposed";
    private const string ImageSuffix = ".image";

    /// <summary>Builds the graph an ONNX model describes.</summary>
    /// <exception cref="InvalidDataException">The model uses something outside what Dipper exports; the message names the node.</exception>
    public static ModelGraph Import(byte[] onnx, string source)
    {
        var graph = Parse(onnx, source).Graph;
        var builder = new GraphBuilder(string.IsNullOrEmpty(graph.Name) ? Path.GetFileNameWithoutExtension(source) : graph.Name);
        var initializers = graph.Initializer.ToDictionary(t => t.Name);
        foreach (var input in graph.Input.Where(i => !initializers.ContainsKey(i.Name)))
            builder.Input(input.Name, Shape(input));

        var nodes = graph.Node.ToList();
        var readers = nodes.SelectMany(n => n.Input).GroupBy(i => i).ToDictionary(g => g.Key, g => g.Count());
        var weights = new Weights(builder, initializers, source);
        // Image-shaped ONNX values ([batch, channels, 1, time]) and the graph values they hold.
        var aliases = new Dictionary<string, string>();
        string Value(string onnxName) => aliases.TryGetValue(onnxName, out var value) ? value : onnxName;
        for (var i = 0; i < nodes.Count; i++)
        {
            var node = nodes[i];
            if (node.OpType is "Unsqueeze" or "Squeeze")
            {
                // The exporter's conversions to and from the height-1 image: the same graph value either way.
                if (node.Input.Count != 2 || !HeightAxis(initializers.GetValueOrDefault(node.Input[1])))
                    throw new InvalidDataException($"{source}: node '{node.Name}' ({node.OpType}): only the height axis 2 of Dipper's 2-D convolutions is read");
                aliases[node.Output[0]] = Value(node.Input[0]);
                continue;
            }
            string Where() => $"{source}: node '{node.Name}' ({node.OpType})";
            var next = i + 1 < nodes.Count ? nodes[i + 1] : null;
            // The last ONNX node a graph node covers; its output must carry the graph node's name.
            var last = node;
            (string Name, Operation Operation, string[] Inputs) made;
            switch (node.OpType)
            {
                case "Conv":
                    made = (node.Name, Conv(node, weights, Where), [node.Input[0]]);
                    break;
                case "ConvTranspose":
                    made = (node.Name, ConvTranspose(node, weights, Where), [node.Input[0]]);
                    break;
                case "BatchNormalization":
                    made = (node.Name, new BatchNorm1d
                    {
                        Channels = weights.Shape(node.Input[1])[0],
                        Epsilon = Attribute(node, "epsilon")?.F ?? 1e-5f,
                        Scale = weights.Take(node.Input[1]),
                        Shift = weights.Take(node.Input[2]),
                        RunningMean = weights.Take(node.Input[3]),
                        RunningVariance = weights.Take(node.Input[4]),
                    }, [node.Input[0]]);
                    break;
                case "Sigmoid" when next is { OpType: "Mul" } && readers.GetValueOrDefault(node.Output[0]) == 1
                                   && next.Input.Contains(node.Output[0]) && next.Input.Contains(node.Input[0]):
                    // x·σ(x), the exporter's form of swish: one node again.
                    made = (next.Name, new Swish(), [node.Input[0]]);
                    last = next;
                    i++;
                    break;
                case "Sigmoid":
                    made = (node.Name, new Logistic(), [node.Input[0]]);
                    break;
                case "Mul":
                    made = (node.Name, new Mul(), [node.Input[0], node.Input[1]]);
                    break;
                case "Relu":
                    made = (node.Name, new Relu(), [node.Input[0]]);
                    break;
                case "Clip" when node.Input.Count == 3 && weights.Scalar(node.Input[1]) == 0f && weights.Scalar(node.Input[2]) == 6f:
                    // The exporter's form of ReLU6: opset 13's Clip with its bounds as constant inputs.
                    made = (node.Name, new Relu6(), [node.Input[0]]);
                    break;
                case "Add":
                    made = (node.Name, new Add(), [node.Input[0], node.Input[1]]);
                    break;
                case "MatMul":
                    var weight = node.Input[1];
                    if (!initializers.ContainsKey(weight)) throw new InvalidDataException($"{Where()}: only a product with a constant matrix is a linear layer");
                    var shape = weights.Shape(weight);
                    string? bias = null;
                    if (next is { OpType: "Add" } && next.Input[0] == node.Output[0] && initializers.ContainsKey(next.Input[1])
                        && readers.GetValueOrDefault(node.Output[0]) == 1)
                    {
                        bias = weights.Take(next.Input[1]);
                        last = next;
                        i++;
                    }
                    made = (last.Name, new Linear
                    {
                        InFeatures = shape[0],
                        OutFeatures = shape[1],
                        Weight = weights.TakeTransposed(weight),
                        Bias = bias,
                    }, [node.Input[0]]);
                    break;
                case "Transpose":
                    made = (node.Name, new Transpose { Permutation = Attribute(node, "perm")?.Ints.Select(v => (int)v).ToArray() ?? [] }, [node.Input[0]]);
                    break;
                case "LogSoftmax":
                    made = (node.Name, new LogSoftmax { Axis = (int)(Attribute(node, "axis")?.I ?? -1) }, [node.Input[0]]);
                    break;
                default:
                    throw new InvalidDataException($"{Where()}: not an operator Dipper exports; only models written by `dipper import`/`dipper compile` can be read");
            }
            if (last.Output.Count != 1)
                throw new InvalidDataException($"{source}: node '{last.Name}' writes {last.Output.Count} values; Dipper's nodes write one");
            var output = last.Output[0].EndsWith(ImageSuffix, StringComparison.Ordinal) ? last.Output[0][..^ImageSuffix.Length] : last.Output[0];
            aliases[last.Output[0]] = output;
            builder.AddWithOutput(made.Name, output, made.Operation, made.Inputs.Select(Value).ToArray());
        }
        try
        {
            return builder.Build(graph.Output.Select(o => new GraphValue(o.Name, Shape(o))).ToArray());
        }
        catch (GraphException e)
        {
            throw new InvalidDataException($"{source}: {e.Message}", e);
        }
    }

    /// <summary>The ONNX model in <paramref name="onnx"/>, with a graph.</summary>
    /// <exception cref="InvalidDataException">The bytes are not an ONNX model, or it has no graph; the message names <paramref name="source"/>.</exception>
    internal static ModelProto Parse(byte[] onnx, string source)
    {
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(onnx);
        }
        catch (Google.Protobuf.InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"{source}: not an ONNX model ({e.Message})", e);
        }
        return model.Graph is null ? throw new InvalidDataException($"{source}: the ONNX model has no graph") : model;
    }

    private static Conv1d Conv(NodeProto node, Weights weights, Func<string> where)
    {
        var shape = weights.Shape(node.Input[1]);
        // 1-D [out, in/groups, k], or 2-D over the height-1 image [out, in/groups, 1, k] with time the last axis.
        var image = shape.Length == 4 && shape[2] == 1;
        if (shape.Length != 3 && !image) throw new InvalidDataException($"{where()}: kernel {string.Join("x", shape)} is not 1-D");
        var groups = (int)(Attribute(node, "group")?.I ?? 1);
        var pads = Attribute(node, "pads")?.Ints.ToArray() ?? (image ? [0, 0, 0, 0] : [0, 0]);
        var (before, after) = image ? (pads[1], pads[3]) : (pads[0], pads[1]);
        if (pads.Length != (image ? 4 : 2) || before != after || (image && (pads[0] != 0 || pads[2] != 0)))
            throw new InvalidDataException($"{where()}: only equal padding at both ends of time is read");
        return new Conv1d
        {
            InChannels = shape[1] * groups,
            OutChannels = shape[0],
            KernelSize = shape[^1],
            Stride = (int)(Attribute(node, "strides")?.Ints.LastOrDefault() ?? 1),
            Dilation = (int)(Attribute(node, "dilations")?.Ints.LastOrDefault() ?? 1),
            Padding = (int)before,
            Groups = groups,
            Weight = image ? weights.TakeFromImage(node.Input[1]) : weights.Take(node.Input[1]),
            Bias = node.Input.Count > 2 ? weights.Take(node.Input[2]) : null,
        };
    }

    private static ConvTranspose1d ConvTranspose(NodeProto node, Weights weights, Func<string> where)
    {
        var shape = weights.Shape(node.Input[1]);
        // 1-D [in, out, k], or 2-D over the height-1 image [in, out, 1, k].
        var image = shape.Length == 4 && shape[2] == 1;
        if (shape.Length != 3 && !image) throw new InvalidDataException($"{where()}: kernel {string.Join("x", shape)} is not 1-D");
        if ((Attribute(node, "group")?.I ?? 1) != 1) throw new InvalidDataException($"{where()}: only one group is read");
        if (Attribute(node, "output_padding") is not null || Attribute(node, "output_shape") is not null
            || (Attribute(node, "dilations")?.Ints.Any(d => d != 1) ?? false))
            throw new InvalidDataException($"{where()}: output_padding, output_shape and dilations are not read");
        var pads = Attribute(node, "pads")?.Ints.ToArray() ?? (image ? [0, 0, 0, 0] : [0, 0]);
        var (before, after) = image ? (pads[1], pads[3]) : (pads[0], pads[1]);
        if (pads.Length != (image ? 4 : 2) || before != after || (image && (pads[0] != 0 || pads[2] != 0)))
            throw new InvalidDataException($"{where()}: only equal padding at both ends of time is read");
        return new ConvTranspose1d
        {
            InChannels = shape[0],
            OutChannels = shape[1],
            KernelSize = shape[^1],
            Stride = (int)(Attribute(node, "strides")?.Ints.LastOrDefault() ?? 1),
            Padding = (int)before,
            Weight = image ? weights.TakeFromImage(node.Input[1]) : weights.Take(node.Input[1]),
            Bias = node.Input.Count > 2 ? weights.Take(node.Input[2]) : null,
        };
    }

    /// <summary>True for the exporter's constant [2], the height axis of the image.</summary>
    private static bool HeightAxis(TensorProto? axes) =>
        axes is not null && (axes.Int64Data.Count == 1 ? axes.Int64Data[0] == 2
            : axes.RawData.Length == 8 && BinaryPrimitives.ReadInt64LittleEndian(axes.RawData.Span) == 2);

    private static AttributeProto? Attribute(NodeProto node, string name) => node.Attribute.FirstOrDefault(a => a.Name == name);

    private static TensorShape Shape(ValueInfoProto value) => new(value.Type.TensorType.Shape.Dim.Select(d =>
        d.HasDimValue ? Dim.Fixed((int)d.DimValue) : string.IsNullOrEmpty(d.DimParam) ? Dim.Unknown : Dim.Named(d.DimParam)));

    /// <summary>Initializers turned into graph weights on first use.</summary>
    private sealed class Weights(GraphBuilder builder, Dictionary<string, TensorProto> initializers, string source)
    {
        private readonly HashSet<string> _added = [];

        public int[] Shape(string name) => Tensor(name).Dims.Select(d => (int)d).ToArray();

        public string Take(string name)
        {
            if (_added.Add(name)) builder.Weight(name, new WeightTensor(Shape(name), Values(Tensor(name))));
            return name;
        }

        /// <summary>The value of a one-value float constant (a bound of Clip), or null when the name is no such constant.</summary>
        public float? Scalar(string name) =>
            initializers.TryGetValue(name, out var t) && t.DataType == (int)TensorProto.Types.DataType.Float && Values(t) is [var value] ? value : null;

        /// <summary>A [out, in/groups, 1, k] 2-D kernel as the [out, in/groups, k] weight it was exported from, named as before export.</summary>
        public string TakeFromImage(string name)
        {
            var shape = Shape(name);
            var weightName = name.EndsWith(ImageSuffix, StringComparison.Ordinal) ? name[..^ImageSuffix.Length] : name;
            if (_added.Add(weightName)) builder.Weight(weightName, new WeightTensor([shape[0], shape[1], shape[3]], Values(Tensor(name))));
            return weightName;
        }

        /// <summary>A [in, out] MatMul matrix as the [out, in] weight of a linear layer, named as before export.</summary>
        public string TakeTransposed(string name)
        {
            var shape = Shape(name);
            var values = Values(Tensor(name));
            var (rows, columns) = (shape[0], shape[1]);
            var transposed = new float[values.Length];
            for (var r = 0; r < rows; r++)
                for (var c = 0; c < columns; c++)
                    transposed[c * rows + r] = values[r * columns + c];
            var weightName = name.EndsWith(TransposedSuffix, StringComparison.Ordinal) ? name[..^TransposedSuffix.Length] : name;
            if (_added.Add(weightName)) builder.Weight(weightName, new WeightTensor([columns, rows], transposed));
            return weightName;
        }

        private TensorProto Tensor(string name) =>
            initializers.TryGetValue(name, out var t) ? t : throw new InvalidDataException($"{source}: '{name}' is not a constant of the model");

        private float[] Values(TensorProto tensor)
        {
            if (tensor.DataType != (int)TensorProto.Types.DataType.Float)
                throw new InvalidDataException($"{source}: initializer '{tensor.Name}' is not float32");
            if (tensor.FloatData.Count > 0) return tensor.FloatData.ToArray();
            var bytes = tensor.RawData.Span;
            var values = new float[bytes.Length / sizeof(float)];
            for (var i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(i * 4)..]);
            return values;
        }
    }
}
