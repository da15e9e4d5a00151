using System.Diagnostics;
using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Execution;
using Dipper.Compiler.Passes.Compression;

namespace Dipper.Compiler.Passes.Factorization;

/// <summary>
/// <c>--factorize ksep</c>: rewrites every depthwise-separable block (<see cref="SeparableBlock"/>) of a
/// folded graph into DeepNano-coral's KSeparable form (<see cref="KSeparableNodes"/>), a dense 3-tap
/// convolution and a short depthwise convolution dilated by 3. The Edge TPU runs a depthwise convolution's
/// taps as passes over memory and a dense convolution on its multiply-add array, so moving most of the
/// receptive field into the dense layer cuts the depthwise taps by two thirds (EdgeTpuCostModel says what
/// that is worth). Like <see cref="ModelCompression"/> it runs the calibration chunks through the graph
/// node by node: each block's H is accumulated from the inputs the rewritten blocks before it produce, the
/// block is fitted under it (<see cref="KSeparableFit"/>, or <see cref="KSeparableDepthwiseFirstFit"/> for
/// <see cref="KSeparableOrder.DepthwiseFirst"/>), and with recalibration its output channels are matched to the
/// original model's mean and spread there. Other nodes are kept as they are.
/// </summary>
public static class KSeparableRewrite
{
    /// <summary>Name recorded in a package's provenance when this pass ran.</summary>
    public const string PassName = "factorize-ksep";

    /// <summary>Rewrites <paramref name="graph"/> on <paramref name="chunks"/>; <paramref name="progress"/> hears each block's record.</summary>
    /// <exception cref="ArgumentException">No chunks, or a graph with several inputs.</exception>
    public static CompressedModel Apply(ModelGraph graph, IReadOnlyList<float[]> chunks, ModelCompressionOptions options,
        IProgress<LayerCompressionRecord>? progress, CancellationToken cancellationToken)
    {
        if (chunks.Count == 0) throw new ArgumentException("no calibration chunks to fit on", nameof(chunks));
        if (graph.Inputs.Count != 1) throw new ArgumentException($"graph '{graph.Name}' has {graph.Inputs.Count} inputs; the rewrite runs one-input models");
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Threads), CancellationToken = cancellationToken };
        var samples = chunks[0].Length;
        var values = new Dictionary<string, FloatTensor[]>
        {
            [graph.Inputs[0].Name] = chunks.Chunk(Math.Max(1, options.Batch)).Select(batch =>
                new FloatTensor([batch.Length, 1, samples], batch.SelectMany(c => c).ToArray())).ToArray(),
        };
        Dictionary<string, FloatTensor[]>? original = options.Recalibrate ? new(values) : null;
        var lastUse = new Dictionary<string, int>();
        for (var i = 0; i < graph.Nodes.Count; i++)
            foreach (var input in graph.Nodes[i].Inputs) lastUse[input] = i;
        var outputs = graph.Outputs.Select(o => o.Name).ToHashSet();
        var taken = graph.Nodes.SelectMany(n => new[] { n.Name, n.Output }).Concat(graph.Weights.Keys).ToHashSet();
        var weights = new OrderedDictionary<string, WeightTensor>(graph.Weights);
        var nodes = new List<GraphNode>();
        var records = new List<LayerCompressionRecord>();
        for (var i = 0; i < graph.Nodes.Count; i++)
        {
            var block = SeparableBlock.At(graph, i);
            var steps = block is null ? [graph.Nodes[i]] : new[] { block.Depthwise, block.Pointwise };
            if (original is not null)
                foreach (var step in steps) original[step.Output] = FloatExecutor.RunNodeOnBatches(step, original, graph.Weights, parallel);
            if (block is null)
            {
                values[graph.Nodes[i].Output] = FloatExecutor.RunNodeOnBatches(graph.Nodes[i], values, weights, parallel);
                nodes.Add(graph.Nodes[i]);
            }
            else
            {
                var (rewritten, record) = Rewrite(block, values, original, weights, taken, options, parallel, cancellationToken);
                nodes.AddRange(rewritten);
                records.Add(record);
                progress?.Report(record);
                i++; // the pointwise node is part of the block
            }
            foreach (var step in steps)
            {
                foreach (var input in step.Inputs)
                {
                    if (lastUse[input] > i || outputs.Contains(input)) continue;
                    values.Remove(input);
                    original?.Remove(input);
                }
            }
        }
        var rewrittenGraph = new ModelGraph(graph.Name, graph.Inputs, nodes, graph.Outputs, weights);
        return new CompressedModel(rewrittenGraph, options, records, chunks.Count, graph.ParameterCount);
    }

    private static (GraphNode[] Nodes, LayerCompressionRecord Record) Rewrite(SeparableBlock block, Dictionary<string, FloatTensor[]> values,
        Dictionary<string, FloatTensor[]>? original, OrderedDictionary<string, WeightTensor> weights, ISet<string> taken,
        ModelCompressionOptions options, ParallelOptions parallel, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var effectiveNode = block.EffectiveNode();
        var layer = CompressibleLayer.Of(effectiveNode)!;
        var gram = LayerInputGram.Collect(layer, values[block.Depthwise.Inputs[0]], options.Threads, cancellationToken)[0];
        var (kernel, bias) = block.Effective(weights);
        var depthwiseFirst = options.KSeparableOrder == KSeparableOrder.DepthwiseFirst;
        var factors = depthwiseFirst
            ? KSeparableDepthwiseFirstFit.Fit(kernel, block.OutChannels, block.Channels, block.KSeparableTaps, gram, options.Threads)
            : KSeparableFit.Fit(kernel, block.OutChannels, block.Channels, block.KSeparableTaps, gram, options.Threads);
        var rewritten = depthwiseFirst ? KSeparableNodes.DepthwiseFirst(block, factors, bias) : KSeparableNodes.Of(block, factors, bias);
        foreach (var name in block.WeightNames) weights.Remove(name);
        foreach (var (name, weight) in rewritten.Weights)
        {
            taken.Add(name);
            weights[name] = weight;
        }
        GraphNode[] nodes = [.. rewritten.InOrder];
        var output = block.Pointwise.Output;
        values[nodes[0].Output] = FloatExecutor.RunNodeOnBatches(nodes[0], values, weights, parallel);
        values[output] = FloatExecutor.RunNodeOnBatches(nodes[1], values, weights, parallel);
        var record = new LayerCompressionRecord
        {
            Layer = block.Pointwise.Name,
            Kind = "separable block",
            Shape = $"{block.Channels}×1×{block.Kernel} + {block.OutChannels}×{block.Channels}×1",
            Method = depthwiseFirst
                ? $"ksep, depthwise first: {block.Channels}×1×{block.KSeparableTaps / 3} dilated 3 + {block.OutChannels}×{block.Channels}×3"
                : $"ksep: {block.OutChannels}×{block.Channels}×3 + {block.OutChannels}×1×{block.KSeparableTaps / 3} dilated 3",
            Note = block.KSeparableTaps == block.Kernel ? null : $"receptive field {block.Kernel} → {block.KSeparableTaps} taps (zero ends, refitted)",
            Weights = block.Channels * block.Kernel + block.OutChannels * block.Channels,
            DeployedWeights = factors.Dense.Length + factors.Depthwise.Length,
            Nonzeros = factors.Dense.Count(v => v != 0) + factors.Depthwise.Count(v => v != 0),
            RelativeError = factors.RelativeError,
            Seconds = 0,
        };
        if (original is not null)
        {
            var before = OutputRecalibration.RelativeError(original[output], values[output]);
            var (scale, shift) = OutputRecalibration.Match(values[output], original[output], 1);
            nodes[1] = OutputRecalibration.Fold(nodes[1], scale, shift, weights, taken);
            values[output] = FloatExecutor.RunNodeOnBatches(nodes[1], values, weights, parallel);
            record = record with
            {
                Recalibrated = true,
                DenseErrorBeforeRecalibration = before,
                DenseError = OutputRecalibration.RelativeError(original[output], values[output]),
            };
        }
        values.Remove(nodes[0].Output);
        return (nodes, record with { Seconds = clock.Elapsed.TotalSeconds });
    }
}
