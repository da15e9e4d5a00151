using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Operations;
using Dipper.Compiler.Passes;
using static TorchSharp.torch;

namespace Dipper.Compiler.Training;

/// <summary>
/// BatchNorm put back for the length of a training run. Packages are BatchNorm-folded (compression works on the
/// folded kernels, and that is what the appliance runs), so a compressed student trains without normalisation:
/// there Adam at the rate the dense model was trained with collapses it, and a rate low enough to be safe learns
/// slowly (docs/finetune-recovery.md). <see cref="Insert"/> adds a BatchNorm after every convolution but the output
/// layer, set up from the activations the student has now (γ = √(var + ε), β = mean, running statistics = the
/// measured ones), so in evaluation mode the model computes what it did and in training mode almost that. A student
/// from fresh weights, which has nothing to keep, gets plain BatchNorms instead (γ = 1, β = 0; <c>normalising</c>).
/// Training then normalises each layer by its batch, as the dense model was trained. When training ends
/// <see cref="FoldBatchNorm"/> folds them away again: a fold scales whole output channels and moves the bias, so the
/// convolutions' zeros (pruning, DSF's sparse factors) stay zeros and the package written has no BatchNorm.
/// </summary>
public static class TrainingBatchNorm
{
    /// <summary>ε of the inserted layers (PyTorch's default).</summary>
    public const double Epsilon = 1e-5;

    /// <summary>Suffix of an inserted layer's node name, after the name of the convolution it follows.</summary>
    public const string NodeSuffix = ".training_norm";

    /// <summary>
    /// The graph with a BatchNorm after every convolution whose output only one node other than a BatchNorm reads,
    /// except the last convolution (the output layer, whose logits are not to be renormalised), initialised from
    /// the activations on <paramref name="chunks"/> training chunks spread over the set.
    /// </summary>
    /// <param name="graph">A BatchNorm-folded graph (e.g. a compressed package's).</param>
    /// <param name="input">The model's input for training chunks (<see cref="ITrainingObjective.Input"/>).</param>
    /// <param name="trainingChunks">How many training chunks there are.</param>
    /// <param name="chunks">How many of them to measure the activations on.</param>
    /// <param name="batch">Chunks per forward pass while measuring.</param>
    /// <param name="normalising">
    /// Start as a plain BatchNorm (γ = 1, β = 0) instead of one that changes nothing: for a student whose weights were
    /// just drawn (<see cref="FreshWeights"/>), whose activations are nothing worth keeping, every layer then starts
    /// normalised, as a network trained from scratch with BatchNorm does. The running statistics are the measured ones either way.
    /// </param>
    public static ModelGraph Insert(ModelGraph graph, Func<int[], Tensor> input, int trainingChunks, int chunks = 64, int batch = 16,
        bool normalising = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(trainingChunks);
        var normalised = Normalised(graph);
        if (normalised.Count == 0) return graph;
        var statistics = Statistics(graph, normalised.Select(n => n.Output).ToHashSet(), input, trainingChunks, Math.Min(chunks, trainingChunks), batch);

        var weights = new List<KeyValuePair<string, WeightTensor>>(graph.Weights);
        var nodes = new List<GraphNode>();
        foreach (var node in graph.Nodes)
        {
            if (node.Operation is not Conv1d conv || !normalised.Contains(node))
            {
                nodes.Add(node);
                continue;
            }
            var (mean, variance) = statistics[node.Output];
            var name = node.Name + NodeSuffix;
            var norm = new BatchNorm1d
            {
                Channels = conv.OutChannels,
                Epsilon = Epsilon,
                Scale = name + ".weight",
                Shift = name + ".bias",
                RunningMean = name + ".running_mean",
                RunningVariance = name + ".running_var",
            };
            var measuredMean = mean.Select(m => (float)m).ToArray();
            var scale = normalising ? Enumerable.Repeat(1f, conv.OutChannels).ToArray() : variance.Select(v => (float)Math.Sqrt(v + Epsilon)).ToArray();
            var shift = normalising ? new float[conv.OutChannels] : measuredMean;
            weights.Add(KeyValuePair.Create(norm.Scale, new WeightTensor([conv.OutChannels], scale)));
            weights.Add(KeyValuePair.Create(norm.Shift, new WeightTensor([conv.OutChannels], shift)));
            weights.Add(KeyValuePair.Create(norm.RunningMean, new WeightTensor([conv.OutChannels], measuredMean.ToArray())));
            weights.Add(KeyValuePair.Create(norm.RunningVariance, new WeightTensor([conv.OutChannels], variance.Select(v => (float)v).ToArray())));
            var unnormalised = node.Output + ".before_training_norm";
            nodes.Add(node with { Output = unnormalised });
            nodes.Add(new GraphNode(name, norm, [unnormalised], node.Output));
        }
        return new ModelGraph(graph.Name, graph.Inputs, nodes, graph.Outputs, weights);
    }

    /// <summary>The convolutions <see cref="Insert"/> puts a BatchNorm after.</summary>
    public static IReadOnlyList<GraphNode> Normalised(ModelGraph graph)
    {
        var convolutions = graph.Nodes.Where(n => n.Operation is Conv1d).ToList();
        var outputs = graph.Outputs.Select(o => o.Name).ToHashSet();
        return convolutions.Take(convolutions.Count - 1).Where(c =>
        {
            var readers = graph.Nodes.Where(n => n.Inputs.Contains(c.Output)).ToList();
            return !outputs.Contains(c.Output) && readers.Count == 1 && readers[0].Operation is not BatchNorm1d;
        }).ToList();
    }

    /// <summary>Per-channel mean and (population) variance of each named activation over batch and time.</summary>
    private static Dictionary<string, (double[] Mean, double[] Variance)> Statistics(ModelGraph graph, IReadOnlySet<string> names,
        Func<int[], Tensor> input, int trainingChunks, int chunks, int batch)
    {
        var sums = names.ToDictionary(n => n, _ => (Sum: (double[]?)null, Squares: (double[]?)null, Count: 0L));
        using var module = new GraphModule(graph);
        module.eval();
        using var noGrad = no_grad();
        var spread = Enumerable.Range(0, chunks).Select(i => (int)((long)i * trainingChunks / chunks)).ToArray();
        foreach (var indices in spread.Chunk(batch))
        {
            using var scope = NewDisposeScope();
            foreach (var (name, value) in module.Values(input(indices), names))
            {
                using var wide = value.to_type(ScalarType.Float64);
                var sum = wide.sum([0, 2]).data<double>().ToArray();
                var squares = wide.square().sum([0, 2]).data<double>().ToArray();
                var (s, q, n) = sums[name];
                sums[name] = (Add(s, sum), Add(q, squares), n + value.shape[0] * value.shape[2]);
            }
        }
        return sums.ToDictionary(s => s.Key, s =>
        {
            var (sum, squares, count) = s.Value;
            var mean = sum!.Select(v => v / count).ToArray();
            var variance = squares!.Select((v, c) => Math.Max(0, v / count - mean[c] * mean[c])).ToArray();
            return (mean, variance);
        });
    }

    private static double[] Add(double[]? total, double[] more) =>
        total is null ? more : total.Zip(more, (a, b) => a + b).ToArray();
}
