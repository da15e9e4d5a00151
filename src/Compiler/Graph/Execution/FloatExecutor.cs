using Dipper.Compiler.Graph.Operations;

namespace Dipper.Compiler.Graph.Execution;

/// <summary>
/// Runs a <see cref="ModelGraph"/> in float32 in managed code, node by node in execution order.
/// It is the compiler's own view of what the network computes: calibration watches every value
/// it produces, and verification compares the exported models against it. It is not an engine
/// (the appliance uses ONNX Runtime and TFLite); it is kept simple so it can be trusted, and it is
/// checked against ONNX Runtime on real reads. Thread-safe: one instance may serve many threads.
/// </summary>
public sealed class FloatExecutor
{
    private readonly ModelGraph _graph;
    private readonly Dictionary<string, int> _lastUse = [];

    /// <summary>Prepares to run <paramref name="graph"/>.</summary>
    public FloatExecutor(ModelGraph graph)
    {
        _graph = graph;
        for (var i = 0; i < graph.Nodes.Count; i++)
        {
            foreach (var input in graph.Nodes[i].Inputs) _lastUse[input] = i;
        }
    }

    /// <summary>The graph this executor runs.</summary>
    public ModelGraph Graph => _graph;

    /// <summary>Runs a graph with one input and one output.</summary>
    /// <exception cref="GraphException">The graph has several inputs or outputs, or the input does not fit.</exception>
    public FloatTensor Run(FloatTensor input, Action<string, FloatTensor>? observe = null)
    {
        if (_graph.Inputs.Count != 1 || _graph.Outputs.Count != 1)
            throw new GraphException($"graph '{_graph.Name}' has {_graph.Inputs.Count} inputs and {_graph.Outputs.Count} outputs; name them");
        return Run(new Dictionary<string, FloatTensor> { [_graph.Inputs[0].Name] = input }, observe)[_graph.Outputs[0].Name];
    }

    /// <summary>
    /// Runs the graph on concrete inputs and returns its outputs by name. <paramref name="observe"/>
    /// sees every input and every node's output as soon as it exists (calibration collects activation
    /// statistics through it); it must not keep or change the tensor.
    /// </summary>
    /// <exception cref="GraphException">An input is missing or does not fit its declared shape.</exception>
    public IReadOnlyDictionary<string, FloatTensor> Run(IReadOnlyDictionary<string, FloatTensor> inputs,
        Action<string, FloatTensor>? observe = null)
    {
        var values = new Dictionary<string, FloatTensor>();
        foreach (var declared in _graph.Inputs)
        {
            if (!inputs.TryGetValue(declared.Name, out var tensor))
                throw new GraphException($"graph '{_graph.Name}': input '{declared.Name}' is not given");
            CheckFits(declared, tensor);
            values[declared.Name] = tensor;
            observe?.Invoke(declared.Name, tensor);
        }
        var keep = _graph.Outputs.Select(o => o.Name).ToHashSet();
        for (var i = 0; i < _graph.Nodes.Count; i++)
        {
            var node = _graph.Nodes[i];
            var result = RunNode(node, node.Inputs.Select(n => values[n]).ToArray(), _graph.Weights);
            values[node.Output] = result;
            observe?.Invoke(node.Output, result);
            // Drop values no later node reads, so a long graph needs memory for a few values only.
            foreach (var input in node.Inputs)
            {
                if (_lastUse[input] == i && !keep.Contains(input)) values.Remove(input);
            }
        }
        return _graph.Outputs.ToDictionary(o => o.Name, o => values[o.Name]);
    }

    /// <summary>
    /// Runs <paramref name="node"/> on every batch of <paramref name="values"/> (each value held as one tensor per batch),
    /// batches in parallel: how the compiler's layer-by-layer passes (compression, the KSeparable rewrite, merging) move
    /// their calibration chunks through a graph they are changing node by node.
    /// </summary>
    public static FloatTensor[] RunNodeOnBatches(GraphNode node, IReadOnlyDictionary<string, FloatTensor[]> values,
        IReadOnlyDictionary<string, WeightTensor> weights, ParallelOptions parallel)
    {
        var inputs = node.Inputs.Select(v => values[v]).ToArray();
        var result = new FloatTensor[inputs[0].Length];
        Parallel.For(0, result.Length, parallel, b => result[b] = RunNode(node, inputs.Select(x => x[b]).ToArray(), weights));
        return result;
    }

    /// <summary>
    /// Runs one node on its input values with the given weights. Passes that rewrite a graph while
    /// running it (layer-by-layer compression) use it so the values they see are exactly the ones
    /// this executor computes for the rewritten graph.
    /// </summary>
    /// <exception cref="GraphException">The executor does not run the node's operation.</exception>
    public static FloatTensor RunNode(GraphNode node, IReadOnlyList<FloatTensor> x, IReadOnlyDictionary<string, WeightTensor> weights)
    {
        ReadOnlySpan<float> W(string? name) => name is null ? [] : weights[name].Values;
        return node.Operation switch
        {
            Conv1d conv => FloatKernels.Conv1d(x[0], conv, W(conv.Weight), W(conv.Bias)),
            ConvTranspose1d conv => FloatKernels.ConvTranspose1d(x[0], conv, W(conv.Weight), W(conv.Bias)),
            BatchNorm1d bn => FloatKernels.BatchNorm(x[0], bn, W(bn.Scale), W(bn.Shift), W(bn.RunningMean), W(bn.RunningVariance)),
            Swish => FloatKernels.Map(x[0], v => v * FloatKernels.Sigmoid(v)),
            Logistic => FloatKernels.Map(x[0], FloatKernels.Sigmoid),
            Relu => FloatKernels.Map(x[0], v => Math.Max(v, 0f)),
            Relu6 => FloatKernels.Map(x[0], v => Math.Clamp(v, 0f, 6f)),
            Add => FloatKernels.Zip(x[0], x[1], (a, b) => a + b),
            Mul => FloatKernels.Zip(x[0], x[1], (a, b) => a * b),
            Linear linear => FloatKernels.Linear(x[0], linear, W(linear.Weight), W(linear.Bias)),
            LogSoftmax softmax when softmax.Axis == -1 || softmax.Axis == x[0].Rank - 1 => FloatKernels.LogSoftmaxLastAxis(x[0]),
            Transpose transpose => FloatKernels.Transpose(x[0], transpose.Permutation),
            DynamicPool pool => BatchDynamicPooling.Run(x[0], x[1], weights[pool.NormMean].Values[0], out _),
            _ => throw new GraphException($"node '{node.Name}': the reference executor does not run {node.Operation.Kind}"),
        };
    }

    private void CheckFits(GraphValue declared, FloatTensor tensor)
    {
        var fits = declared.Shape.Rank == tensor.Rank;
        for (var i = 0; fits && i < tensor.Rank; i++)
            fits = declared.Shape[i].Size is not { } size || size == tensor.Shape[i];
        if (!fits)
            throw new GraphException($"graph '{_graph.Name}': input '{declared.Name}' is declared {declared.Shape}, given {tensor}");
    }
}
