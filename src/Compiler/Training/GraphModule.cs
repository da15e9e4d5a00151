using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Operations;
using TorchSharp;
using Parameter = TorchSharp.Modules.Parameter;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Dipper.Compiler.Training;

/// <summary>
/// A <see cref="ModelGraph"/> as a trainable TorchSharp module, built from the graph rather than written twice:
/// its forward pass runs the graph's nodes in order with libtorch's kernels, so it computes what the float
/// executor computes (and what the exported models compute), and <see cref="ToGraph"/> gives the graph back
/// with the trained weights. Trained weights (<see cref="Operation.ParameterNames"/>) are parameters; BatchNorm
/// running statistics are buffers, updated in training mode as PyTorch does. Forward takes a batch of chunks
/// [N, 1, T] and returns what the graph returns (log-probabilities [N, T/stride, classes] for a base caller).
/// </summary>
public sealed class GraphModule : nn.Module<Tensor, Tensor>
{
    private readonly ModelGraph _graph;
    private readonly Dictionary<string, Tensor> _weights = [];
    private readonly Dictionary<string, int> _lastUse = [];

    /// <summary>Copies the graph's weights into libtorch tensors (float32, CPU).</summary>
    /// <exception cref="GraphException">The graph does not have exactly one input and one output.</exception>
    public GraphModule(ModelGraph graph) : base(graph.Name)
    {
        if (graph.Inputs.Count != 1 || graph.Outputs.Count != 1)
            throw new GraphException($"graph '{graph.Name}' has {graph.Inputs.Count} inputs and {graph.Outputs.Count} outputs; training takes one of each");
        _graph = graph;
        var trained = graph.Nodes.SelectMany(n => n.Operation.ParameterNames).ToHashSet();
        var registered = new HashSet<string>();
        foreach (var (name, weight) in graph.Weights)
        {
            var values = tensor(weight.Values.ToArray(), weight.Shape.Select(d => (long)d).ToArray());
            // libtorch forbids '.' in a parameter's own name; graph weight names are module paths.
            var key = name.Replace('.', '_');
            if (!registered.Add(key))
                throw new GraphException($"graph '{graph.Name}': weights '{name}' and another map to the same module name '{key}'");
            if (trained.Contains(name))
            {
                var parameter = new Parameter(values, requires_grad: true);
                register_parameter(key, parameter);
                _weights[name] = parameter;
            }
            else
            {
                register_buffer(key, values);
                _weights[name] = values;
            }
        }
        for (var i = 0; i < graph.Nodes.Count; i++)
        {
            foreach (var input in graph.Nodes[i].Inputs) _lastUse[input] = i;
        }
    }

    /// <summary>The graph this module was built from (its structure; its weights are the ones at build time).</summary>
    public ModelGraph Graph => _graph;

    /// <summary>The module's tensor for each graph weight, by the graph's name.</summary>
    public IReadOnlyDictionary<string, Tensor> Weights => _weights;

    /// <summary>The trained weights (parameters) by the graph's name, in graph order; what an optimiser updates.</summary>
    public IReadOnlyDictionary<string, Parameter> TrainedWeights =>
        _weights.Where(w => w.Value is Parameter).ToDictionary(w => w.Key, w => (Parameter)w.Value);

    /// <summary>Runs the graph on <paramref name="input"/> (the graph's one input, e.g. chunks [N, 1, T]).</summary>
    public override Tensor forward(Tensor input) => Evaluate(input, NothingKept, null)[_graph.Outputs[0].Name];

    /// <summary>
    /// Runs the graph on a batch of chunks and says how many of the output's frames are each chunk's own: a graph that
    /// pools dynamically gives each chunk its own length and pads the batch to the longest, and a loss over frames (CTC)
    /// must not count the padding as signal.
    /// </summary>
    /// <param name="input">The chunks [N, 1, T].</param>
    /// <param name="frames">Each chunk's frames (its pooled length), or null when every frame of the output is every chunk's
    /// (no pooling, or a graph whose time axis changes again after it).</param>
    public Tensor Forward(Tensor input, out long[]? frames)
    {
        var pooled = new List<long[]>();
        var output = Evaluate(input, NothingKept, pooled)[_graph.Outputs[0].Name];
        frames = pooled.Count == 1 && output.dim() == 3 && output.shape[1] == pooled[0].Max() ? pooled[0] : null;
        return output;
    }

    /// <summary>
    /// Runs the graph on <paramref name="input"/> and returns the values named <paramref name="names"/> (node outputs),
    /// for what needs a layer's activations rather than the model's output, such as statistics to initialise a layer.
    /// </summary>
    public IReadOnlyDictionary<string, Tensor> Values(Tensor input, IReadOnlySet<string> names)
    {
        var values = Evaluate(input, names, null);
        return names.ToDictionary(n => n, n => values.TryGetValue(n, out var v) ? v
            : throw new GraphException($"graph '{_graph.Name}' has no value '{n}'"));
    }

    private Dictionary<string, Tensor> Evaluate(Tensor input, IReadOnlySet<string> keep, List<long[]>? pooledLengths)
    {
        var values = new Dictionary<string, Tensor> { [_graph.Inputs[0].Name] = input };
        var output = _graph.Outputs[0].Name;
        for (var i = 0; i < _graph.Nodes.Count; i++)
        {
            var node = _graph.Nodes[i];
            values[node.Output] = Run(node, node.Inputs.Select(n => values[n]).ToArray(), pooledLengths);
            // Intermediate handles go as soon as no later node reads them; autograd keeps what it saved.
            foreach (var name in node.Inputs.Distinct())
            {
                if (_lastUse[name] == i && name != output && name != _graph.Inputs[0].Name && !keep.Contains(name))
                {
                    values[name].Dispose();
                    values.Remove(name);
                }
            }
        }
        return values;
    }

    /// <summary>
    /// The graph with the module's current weights (bit for bit) in place of the original ones: what a training
    /// command writes into the output package.
    /// </summary>
    public ModelGraph ToGraph()
    {
        var weights = _graph.Weights.Select(w =>
        {
            using var values = _weights[w.Key].detach().contiguous();
            return KeyValuePair.Create(w.Key, new WeightTensor(w.Value.Shape, values.data<float>().ToArray()));
        });
        return new ModelGraph(_graph.Name, _graph.Inputs, _graph.Nodes, _graph.Outputs, weights);
    }

    private Tensor Run(GraphNode node, Tensor[] x, List<long[]>? pooledLengths)
    {
        Tensor? W(string? name) => name is null ? null : _weights[name];
        return node.Operation switch
        {
            Conv1d c => F.conv1d(x[0], W(c.Weight)!, W(c.Bias), c.Stride, c.Padding, c.Dilation, c.Groups),
            ConvTranspose1d c => F.conv_transpose1d(x[0], W(c.Weight)!, W(c.Bias), c.Stride, c.Padding),
            BatchNorm1d b => F.batch_norm(x[0], W(b.RunningMean)!, W(b.RunningVariance)!, W(b.Scale), W(b.Shift),
                training, BatchNormMomentum, b.Epsilon),
            Swish => F.silu(x[0]),
            Logistic => sigmoid(x[0]),
            Relu => F.relu(x[0]),
            Relu6 => F.relu6(x[0]),
            Add => x[0] + x[1],
            Mul => x[0] * x[1],
            Linear l => F.linear(x[0], W(l.Weight)!, W(l.Bias)),
            LogSoftmax s => F.log_softmax(x[0], s.Axis),
            Transpose t => x[0].permute(t.Permutation.Select(a => (long)a).ToArray()),
            DynamicPool p => Pool(x[0], x[1], W(p.NormMean)!, p, pooledLengths),
            _ => throw new GraphException($"node '{node.Name}': training does not run {node.Operation.Kind}"),
        };
    }

    private Tensor Pool(Tensor features, Tensor logits, Tensor normMean, DynamicPool op, List<long[]>? pooledLengths)
    {
        var pooled = DynamicPoolingTraining.Forward(features, logits, normMean, training, op, out var lengths);
        pooledLengths?.Add(lengths);
        return pooled;
    }

    private static readonly IReadOnlySet<string> NothingKept = System.Collections.Frozen.FrozenSet<string>.Empty;

    /// <summary>PyTorch's default BatchNorm momentum, which Bonito-style models were trained with.</summary>
    private const double BatchNormMomentum = 0.1;
}
