using System.Buffers.Binary;
using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Operations;
using Onnx;

namespace Dipper.Compiler.Import;

/// <summary>
/// Reads back the ONNX models Dipper writes (<see cref="Export.OnnxExporter"/>): Conv, BatchNormalization,
/// Sigmoid·Mul (swish), Relu, Add, MatMul + Add (linear), Transpose and LogSoftmax over float32
/// initializers, so a model package can be recompiled without its PyTorch checkpoint. It is not a
/// general ONNX importer: anything else is refused with the node's name and operator.
/// </summary>
public static class OnnxImporter
{
    private const string TransposedSuffix = ".transposed";

    /// <summary>Builds the graph an ONNX model describes.</summary>
    /// <exception cref="InvalidDataException">The model uses something outside what Dipper exports; the message names the node.</exception>
    public static ModelGraph Import(byte[] onnx, string source)
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
        var graph = model.Graph ?? throw new InvalidDataException($"{source}: the ONNX model has no graph");
        var builder = new GraphBuilder(string.IsNullOrEmpty(graph.Name) ? Path.GetFileNameWithoutExtension(source) : graph.Name);
        var initializers = graph.Initializer.ToDictionary(t => t.Name);
        foreach (var input in graph.Input.Where(i => !initializers.ContainsKey(i.Name)))
            builder.Input(input.Name, Shape(input));

        var nodes = graph.Node.ToList();
        var readers = nodes.SelectMany(n => n.Input).GroupBy(i => i).ToDictionary(g => g.Key, g => g.Count());
        var weights = new Weights(builder, initializers, source);
        for (var i = 0; i < nodes.Count; i++)
        {
            var node = nodes[i];
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
            builder.AddWithOutput(made.Name, last.Output[0], made.Operation, made.Inputs);
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

    private static Conv1d Conv(NodeProto node, Weights weights, Func<string> where)
    {
        var shape = weights.Shape(node.Input[1]);
        if (shape.Length != 3) throw new InvalidDataException($"{where()}: kernel {string.Join("x", shape)} is not 1-D");
        var groups = (int)(Attribute(node, "group")?.I ?? 1);
        var pads = Attribute(node, "pads")?.Ints.ToArray() ?? [0, 0];
        if (pads.Length != 2 || pads[0] != pads[1]) throw new InvalidDataException($"{where()}: only equal padding at both ends is read");
        return new Conv1d
        {
            InChannels = shape[1] * groups,
            OutChannels = shape[0],
            KernelSize = shape[2],
            Stride = (int)(Attribute(node, "strides")?.Ints.FirstOrDefault() ?? 1),
            Dilation = (int)(Attribute(node, "dilations")?.Ints.FirstOrDefault() ?? 1),
            Padding = (int)pads[0],
            Groups = groups,
            Weight = weights.Take(node.Input[1]),
            Bias = node.Input.Count > 2 ? weights.Take(node.Input[2]) : null,
        };
    }

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
