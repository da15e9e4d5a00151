using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Operations;
using Onnx;

namespace Dipper.Compiler.Export;

/// <summary>
/// Splits a graph at its <see cref="DynamicPool"/> node into the two networks an appliance runs around the host's
/// pooling (docs/dynamic-pooling.md), because the pooling depends on the whole read and no engine can run it per chunk:
/// <list type="bullet">
/// <item>before: signal [batch, 1, samples] → one output [batch, samples, features + 2], each frame its features then its
/// weight and move logits (one tensor, so every engine's one-output interface runs it; the concatenation and the
/// frames-major layout are added in the ONNX model only);</item>
/// <item>after: pooled frames [batch, frames, features], frames-major as the host cuts its windows, → the graph's output.</item>
/// </list>
/// Each is a normal float ONNX model (<see cref="OnnxExporter"/>).
/// </summary>
public sealed class PooledModelSplit
{
    /// <summary>Input name of the part after the pooling.</summary>
    public const string PooledInput = "pooled";

    /// <summary>Output name of the part before the pooling.</summary>
    public const string FramesOutput = "frames";

    private PooledModelSplit(ModelGraph before, ModelGraph after, DynamicPool pool, int features, float scale)
    {
        Before = before;
        After = after;
        Pool = pool;
        Features = features;
        Scale = scale;
    }

    /// <summary>The graph up to the pooling; outputs the pooling's two inputs (features [batch, C, T], logits [batch, 2, T]).</summary>
    public ModelGraph Before { get; }

    /// <summary>The graph after the pooling; input <see cref="PooledInput"/> [batch, frames, C].</summary>
    public ModelGraph After { get; }

    /// <summary>The pooling op.</summary>
    public DynamicPool Pool { get; }

    /// <summary>Feature channels pooled.</summary>
    public int Features { get; }

    /// <summary>The scale r (the op's norm mean).</summary>
    public float Scale { get; }

    /// <summary>Splits <paramref name="graph"/> at its one <see cref="DynamicPool"/> node.</summary>
    /// <exception cref="GraphException">The graph has no pooling or more than one, or a later node reads a value from before it.</exception>
    public static PooledModelSplit Split(ModelGraph graph)
    {
        var pools = graph.Nodes.Select((n, i) => (Node: n, Index: i)).Where(p => p.Node.Operation is DynamicPool).ToList();
        if (pools.Count != 1)
            throw new GraphException($"graph '{graph.Name}' has {pools.Count} dynamic pooling nodes; a split needs exactly one");
        var (poolNode, at) = pools[0];
        var op = (DynamicPool)poolNode.Operation;
        var earlier = graph.Nodes.Take(at).Select(n => n.Output).Concat(graph.Inputs.Select(i => i.Name)).ToHashSet();
        var later = graph.Nodes.Skip(at + 1).ToList();
        if (later.SelectMany(n => n.Inputs).FirstOrDefault(earlier.Contains) is { } crossing)
            throw new GraphException($"graph '{graph.Name}': '{crossing}' from before the pooling is read after it, so the graph cannot be split there");
        if (graph.Outputs.Any(o => earlier.Contains(o.Name)))
            throw new GraphException($"graph '{graph.Name}': an output is computed before the pooling");

        var (featuresName, logitsName) = (poolNode.Inputs[0], poolNode.Inputs[1]);
        var featureShape = graph.Shapes[featuresName];
        var features = featureShape[1].Size ?? throw new GraphException($"graph '{graph.Name}': the pooled features' channels are not fixed ({featureShape})");
        var beforeNodes = graph.Nodes.Take(at).ToList();
        var before = new ModelGraph(graph.Name, graph.Inputs, beforeNodes,
            [new GraphValue(featuresName, featureShape), new GraphValue(logitsName, graph.Shapes[logitsName])],
            WeightsOf(graph, beforeNodes));

        // The host hands the pooled frames over frames-major; the first node turns them back into [batch, C, frames].
        var pooled = new GraphValue(PooledInput, new TensorShape(Dim.Named("batch"), Dim.Named("frames"), features));
        var afterNodes = new List<GraphNode> { new($"{PooledInput}.transpose", new Transpose { Permutation = [0, 2, 1] }, [PooledInput], poolNode.Output) };
        afterNodes.AddRange(later);
        var after = new ModelGraph(graph.Name, [pooled], afterNodes, graph.Outputs, WeightsOf(graph, later));
        return new PooledModelSplit(before, after, op, features, graph.Weights[op.NormMean].Values[0]);
    }

    /// <summary>
    /// The ONNX model of the part before the pooling, with its one output <see cref="FramesOutput"/>
    /// [batch, samples, features + 2]: the exported graph's two outputs concatenated over channels and transposed.
    /// </summary>
    public byte[] ExportBefore()
    {
        var model = OnnxExporter.ToModel(Before);
        var graph = model.Graph;
        var (features, logits) = (Before.Outputs[0].Name, Before.Outputs[1].Name);
        const string joined = FramesOutput + ".channels";
        var concat = new NodeProto { OpType = "Concat", Name = joined };
        concat.Input.Add(features);
        concat.Input.Add(logits);
        concat.Output.Add(joined);
        concat.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
        var transpose = new NodeProto { OpType = "Transpose", Name = FramesOutput };
        transpose.Input.Add(joined);
        transpose.Output.Add(FramesOutput);
        var perm = new AttributeProto { Name = "perm", Type = AttributeProto.Types.AttributeType.Ints };
        perm.Ints.AddRange([0, 2, 1]);
        transpose.Attribute.Add(perm);
        graph.Node.Add(concat);
        graph.Node.Add(transpose);
        graph.Output.Clear();
        graph.Output.Add(OnnxExporter.ValueInfo(new GraphValue(FramesOutput, new TensorShape(Dim.Named("batch"), Dim.Named("samples"), Features + 2))));
        return Google.Protobuf.MessageExtensions.ToByteArray(model);
    }

    /// <summary>The ONNX model of the part after the pooling.</summary>
    public byte[] ExportAfter() => OnnxExporter.Export(After);

    private static IEnumerable<KeyValuePair<string, WeightTensor>> WeightsOf(ModelGraph graph, IEnumerable<GraphNode> nodes)
    {
        var names = nodes.SelectMany(n => n.Operation.WeightNames).ToHashSet();
        return graph.Weights.Where(w => names.Contains(w.Key));
    }
}
