using Dipper.Compiler.Graph.Operations;

namespace Dipper.Compiler.Graph;

/// <summary>
/// Collects inputs, nodes and weights in execution order and makes a checked <see cref="ModelGraph"/>.
/// Each node's output value is named after the node, so importers name nodes by their source module
/// path and every value stays traceable to the layer that made it.
/// </summary>
public sealed class GraphBuilder
{
    private readonly string _name;
    private readonly List<GraphValue> _inputs = [];
    private readonly List<GraphNode> _nodes = [];
    private readonly List<KeyValuePair<string, WeightTensor>> _weights = [];
    private readonly HashSet<string> _weightNames = [];

    /// <summary>Starts an empty graph called <paramref name="name"/>.</summary>
    public GraphBuilder(string name)
    {
        _name = name;
    }

    /// <summary>Declares a graph input and returns its value name.</summary>
    public string Input(string name, TensorShape shape)
    {
        _inputs.Add(new GraphValue(name, shape));
        return name;
    }

    /// <summary>Adds a weight under a unique name.</summary>
    /// <exception cref="GraphException">The name is taken.</exception>
    public void Weight(string name, WeightTensor tensor)
    {
        if (!_weightNames.Add(name))
            throw new GraphException($"graph '{_name}': weight '{name}' is added twice");
        _weights.Add(new(name, tensor));
    }

    /// <summary>Appends a node reading <paramref name="inputs"/>; returns its output value name (the node name).</summary>
    public string Add(string name, Operation operation, params string[] inputs)
    {
        _nodes.Add(new GraphNode(name, operation, inputs, name));
        return name;
    }

    /// <summary>
    /// Appends a node whose output value has a name of its own, as a pass leaves it when it merges
    /// nodes (a convolution with its BatchNorm folded in writes the BatchNorm's value).
    /// </summary>
    public string AddWithOutput(string name, string output, Operation operation, params string[] inputs)
    {
        _nodes.Add(new GraphNode(name, operation, inputs, output));
        return output;
    }

    /// <summary>Checks and returns the graph with the given outputs.</summary>
    /// <exception cref="GraphException">The graph is inconsistent.</exception>
    public ModelGraph Build(params GraphValue[] outputs) => new(_name, _inputs, _nodes, outputs, _weights);
}
