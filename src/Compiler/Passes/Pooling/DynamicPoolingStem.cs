using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Operations;
using Dipper.Compiler.Numerics;

namespace Dipper.Compiler.Passes.Pooling;

/// <summary>
/// Turns a model whose first layer downsamples by a fixed stride (the default model: Conv1d 1→80, k9, stride 3, then
/// swish) into its dynamic-pooling variant (issue seeds §1, ../shared/research/osprey_heron.md §1): the same first layer
/// at stride 1, then a 1×1 convolution from its features to the two pooling logits (weight, move), then
/// <see cref="DynamicPool"/>, whose output feeds the rest of the network where the strided layer's did. The stride-1
/// layer keeps the strided layer's weights (it computes the same features, at every sample instead of every third);
/// the logits start as near constants, so before any training the model pools every frame by about the old stride.
/// </summary>
public static class DynamicPoolingStem
{
    /// <summary>Name of the pass in manifests' provenance.</summary>
    public const string PassName = "dynamic-pooling-stem";

    /// <summary>Node (and weight prefix) of the logits head.</summary>
    public const string HeadName = "pool.predictor";

    /// <summary>Node of the pooling; its output is what the rest of the network reads.</summary>
    public const string PoolName = "pool";

    /// <summary>The scale r's weight name.</summary>
    public const string NormMeanName = "pool.norm_mean";

    /// <summary>
    /// The head's weights are this times uniform noise in [−1, 1) (Heron scales its last predictor layer by 0.01): the logits
    /// start almost constant, so the pooling starts at the old stride, yet they depend on the features, so training has a
    /// gradient to every weight from the first step.
    /// </summary>
    public const float HeadWeightScale = 0.01f;

    /// <summary>
    /// What the pass did, for the package's provenance.
    /// </summary>
    /// <param name="Stem">The strided layer now at stride 1.</param>
    /// <param name="OldStride">Its stride before.</param>
    /// <param name="Features">Its output, the features pooled.</param>
    /// <param name="InitialWeight">σ of the weight logit's bias: each frame's weight before training.</param>
    /// <param name="InitialMove">σ of the move logit's bias × r: each frame's move before training, 1/old stride.</param>
    /// <param name="Seed">Seed of the head's small weights.</param>
    public sealed record Rewrite(string Stem, int OldStride, string Features, double InitialWeight, double InitialMove, ulong Seed);

    /// <summary>
    /// The pooled variant of <paramref name="graph"/> (BatchNorm folded, so the first layer's activation follows its
    /// convolution directly).
    /// </summary>
    /// <param name="graph">A model whose first node is a strided Conv1d on the graph input, followed by an activation.</param>
    /// <param name="seed">Seed of the head's small weights, so the same model gives the same package.</param>
    /// <param name="rewrite">What was done.</param>
    /// <param name="poolBy">Samples per pooled frame on average (the mean move is its inverse): the old stride when null, as
    /// the model was trained; more makes fewer frames for the rest of the network to compute (the paper's "equal accuracy
    /// with fewer frames").</param>
    /// <exception cref="GraphException">The graph does not start with a strided convolution and its activation, or already pools.</exception>
    public static ModelGraph Apply(ModelGraph graph, ulong seed, out Rewrite rewrite, int? poolBy = null)
    {
        if (poolBy is < 1) throw new ArgumentOutOfRangeException(nameof(poolBy), poolBy, "pool by at least 1 sample per frame");
        if (graph.Nodes.Any(n => n.Operation is DynamicPool))
            throw new GraphException($"graph '{graph.Name}' already has dynamic pooling");
        var input = graph.Inputs.Single().Name;
        var stemIndex = graph.Nodes.ToList().FindIndex(n => n.Inputs.Contains(input));
        if (stemIndex < 0 || graph.Nodes[stemIndex].Operation is not Conv1d { Stride: > 1 } stem)
            throw new GraphException($"graph '{graph.Name}': its first layer is not a strided convolution, so there is no fixed stride to replace by pooling");
        var activationIndex = stemIndex + 1;
        if (activationIndex >= graph.Nodes.Count || graph.Nodes[activationIndex].Operation is not (Swish or Relu or Relu6)
            || graph.Nodes[activationIndex].Inputs.Single() != graph.Nodes[stemIndex].Output)
            throw new GraphException($"graph '{graph.Name}': the strided convolution '{graph.Nodes[stemIndex].Name}' is not followed by its activation (fold BatchNorm first)");
        var features = graph.Nodes[activationIndex].Output;
        if (graph.Nodes.Skip(activationIndex + 1).Any(n => n.Inputs.Contains(graph.Nodes[stemIndex].Output)))
            throw new GraphException($"graph '{graph.Name}': the convolution's output before its activation is read further on");

        var channels = stem.OutChannels;
        // σ(−ln 2) = 1/3: each frame moves a third of a pooled frame (r = 1), pooling by 3 as the stride-3 layer did;
        // in general 1/stride (or 1/poolBy). The weight starts at the same share, so a pooled frame is the mean of the frames
        // it takes rather than their sum: the rest of the network sees features of the scale it was trained on.
        var share = 1.0 / (poolBy ?? stem.Stride);
        var bias = (float)Math.Log(share / (1 - share));
        var head = new float[2 * channels];
        for (var i = 0; i < head.Length; i++)
            head[i] = HeadWeightScale * (float)(2 * SplitMix64.Uniform(seed, (ulong)i) - 1);

        var nodes = new List<GraphNode>();
        var weights = graph.Weights.ToList();
        for (var i = 0; i < graph.Nodes.Count; i++)
        {
            var node = graph.Nodes[i];
            if (i == stemIndex)
            {
                nodes.Add(node with { Operation = stem with { Stride = 1 } });
                continue;
            }
            if (i > activationIndex)
            {
                nodes.Add(node with { Inputs = node.Inputs.Select(v => v == features ? PoolName : v).ToArray() });
                continue;
            }
            nodes.Add(node);
            if (i != activationIndex) continue;
            nodes.Add(new GraphNode(HeadName, new Conv1d
            {
                InChannels = channels, OutChannels = 2, KernelSize = 1, Weight = $"{HeadName}.weight", Bias = $"{HeadName}.bias",
            }, [features], HeadName));
            nodes.Add(new GraphNode(PoolName, new DynamicPool { NormMean = NormMeanName, MeanMove = share }, [features, HeadName], PoolName));
        }
        weights.Add(new($"{HeadName}.weight", new WeightTensor([2, channels, 1], head)));
        weights.Add(new($"{HeadName}.bias", new WeightTensor([2], [bias, bias])));
        weights.Add(new(NormMeanName, new WeightTensor([1], [1f])));
        rewrite = new Rewrite(graph.Nodes[stemIndex].Name, stem.Stride, features, share, share, seed);
        return new ModelGraph(graph.Name, graph.Inputs, nodes, graph.Outputs, weights);
    }
}
