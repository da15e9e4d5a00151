using Dipper.Compiler.Graph.Operations;

namespace Dipper.Compiler.Graph;

/// <summary>
/// A base-calling network as the compiler sees it: named inputs, nodes in execution order, named
/// float32 weights and named outputs. Immutable and checked when built (every value defined once
/// before use, every weight present with the right shape, declared output shapes met), so passes
/// and exporters can trust it. Passes return new graphs.
/// </summary>
public sealed class ModelGraph
{
    private readonly OrderedDictionary<string, WeightTensor> _weights;
    private readonly Dictionary<string, TensorShape> _shapes = [];

    /// <summary>Builds and checks a graph.</summary>
    /// <exception cref="GraphException">The graph is inconsistent; the message names the node and value or weight at fault.</exception>
    public ModelGraph(string name, IReadOnlyList<GraphValue> inputs, IReadOnlyList<GraphNode> nodes,
        IReadOnlyList<GraphValue> outputs, IEnumerable<KeyValuePair<string, WeightTensor>> weights)
    {
        Name = name;
        Inputs = inputs.ToArray();
        Nodes = nodes.ToArray();
        Outputs = outputs.ToArray();
        _weights = new OrderedDictionary<string, WeightTensor>(weights);
        Check();
    }

    /// <summary>Model name, carried into exported files.</summary>
    public string Name { get; }

    /// <summary>Graph inputs with their declared shapes.</summary>
    public IReadOnlyList<GraphValue> Inputs { get; }

    /// <summary>Nodes in execution order.</summary>
    public IReadOnlyList<GraphNode> Nodes { get; }

    /// <summary>Graph outputs with their declared shapes.</summary>
    public IReadOnlyList<GraphValue> Outputs { get; }

    /// <summary>Weights by name, in the order they were added.</summary>
    public IReadOnlyDictionary<string, WeightTensor> Weights => _weights;

    /// <summary>Inferred shape of every value (inputs and node outputs).</summary>
    public IReadOnlyDictionary<string, TensorShape> Shapes => _shapes;

    /// <summary>Number of trained parameters, counted as PyTorch does (BatchNorm running statistics excluded).</summary>
    public long ParameterCount =>
        Nodes.SelectMany(n => n.Operation.ParameterNames).Distinct().Sum(w => (long)_weights[w].Count);

    /// <summary>The nodes that read a value.</summary>
    public IEnumerable<GraphNode> Consumers(string value) => Nodes.Where(n => n.Inputs.Contains(value));

    /// <summary>The node that produces a value, or null for a graph input.</summary>
    public GraphNode? Producer(string value) => Nodes.FirstOrDefault(n => n.Output == value);

    private void Check()
    {
        foreach (var input in Inputs)
        {
            if (!_shapes.TryAdd(input.Name, input.Shape))
                throw new GraphException($"graph '{Name}': input '{input.Name}' is declared twice");
        }
        var nodeNames = new HashSet<string>();
        var used = new HashSet<string>();
        foreach (var node in Nodes)
        {
            var op = node.Operation;
            string Where() => $"graph '{Name}', node '{node.Name}' ({op.Kind})";
            if (!nodeNames.Add(node.Name))
                throw new GraphException($"{Where()}: the node name is used twice");
            if (node.Inputs.Count != op.InputCount)
                throw new GraphException($"{Where()}: takes {op.InputCount} inputs, has {node.Inputs.Count}");
            var inputShapes = new List<TensorShape>();
            foreach (var input in node.Inputs)
            {
                if (!_shapes.TryGetValue(input, out var shape))
                    throw new GraphException($"{Where()}: reads '{input}', which no earlier node or input defines");
                inputShapes.Add(shape);
            }
            WeightTensor Lookup(string weight) =>
                _weights.TryGetValue(weight, out var tensor) ? tensor : throw new GraphException($"weight '{weight}' is missing");
            TensorShape output;
            try
            {
                output = op.InferShape(inputShapes, Lookup);
            }
            catch (GraphException e)
            {
                throw new GraphException($"{Where()}: {e.Message}");
            }
            used.UnionWith(op.WeightNames);
            if (!_shapes.TryAdd(node.Output, output))
                throw new GraphException($"{Where()}: its output '{node.Output}' is already defined");
        }
        foreach (var output in Outputs)
        {
            if (!_shapes.TryGetValue(output.Name, out var inferred))
                throw new GraphException($"graph '{Name}': output '{output.Name}' is never computed");
            CheckDeclared(output, inferred);
        }
        var unused = _weights.Keys.FirstOrDefault(w => !used.Contains(w));
        if (unused is not null)
            throw new GraphException($"graph '{Name}': weight '{unused}' is not read by any node");
    }

    private void CheckDeclared(GraphValue output, TensorShape inferred)
    {
        var declared = output.Shape;
        var fits = declared.Rank == inferred.Rank;
        for (var i = 0; fits && i < declared.Rank; i++)
        {
            var (d, s) = (declared[i], inferred[i]);
            // A fixed declaration must be met exactly; a run-time one may not be fixed by the graph.
            fits = d.IsFixed ? !s.IsFixed || s.Size == d.Size : !s.IsFixed;
        }
        if (!fits)
            throw new GraphException($"graph '{Name}': output '{output.Name}' is declared {declared} but computes {inferred}");
    }
}
