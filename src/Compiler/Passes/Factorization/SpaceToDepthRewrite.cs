using System.Diagnostics;
using Dipper.Compiler.Costing;
using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Execution;
using Dipper.Compiler.Passes.Compression;

namespace Dipper.Compiler.Passes.Factorization;

/// <summary>
/// <c>--factorize s2d</c>: rewrites residual blocks (<see cref="ResidualBlock"/>) of a folded graph into DeepNano-coral's
/// S2D form (<see cref="SpaceToDepthNodes"/>), where the Edge TPU cost model says the block gets faster: the main
/// branch then runs on a third of the frames at twice the channels, which cuts the activation traffic and the depthwise
/// taps that bound a narrow model's time on the Edge TPU, at the price of the stride-3 pair. Initial weights (see
/// <see cref="SpaceToDepthFit"/>): the stride-3 convolution keeps the principal directions of the block's input patches,
/// the inner layers are identities, the transposed convolution is the least-squares map onto the original branch's
/// output; all on the calibration chunks, the inputs coming from the blocks rewritten before. Fine-tune afterwards
/// (<c>dipper finetune</c>): the identity layers make the block little more than a linear map until trained.
/// </summary>
public static class SpaceToDepthRewrite
{
    /// <summary>Name recorded in a package's provenance when this pass ran.</summary>
    public const string PassName = "factorize-s2d";

    /// <summary>
    /// Every residual block of <paramref name="graph"/> with the Edge TPU cost model's estimate (per batch of
    /// <paramref name="batch"/> chunks of <paramref name="samples"/> samples; not measured) as it is and in S2D form. Blocks
    /// are taken in order, each against the model with the blocks before it that pay already rewritten, so the parameters
    /// all of them add are counted against the on-chip memory.
    /// </summary>
    public static IReadOnlyList<SpaceToDepthEstimate> Estimate(ModelGraph graph, int batch, int samples)
    {
        var accepted = new List<SpaceToDepthNodes>();
        var model = EstimateOf(graph, batch, samples);
        var estimates = new List<SpaceToDepthEstimate>();
        foreach (var block in ResidualBlock.All(graph))
        {
            var rewrite = SpaceToDepthNodes.Of(block, graph.Weights);
            var trial = EstimateOf(SpaceToDepthNodes.Apply(graph, [.. accepted, rewrite]), batch, samples);
            var estimate = new SpaceToDepthEstimate(block,
                BlockMicroseconds(model, block.Main.Append(block.Residual).Append(block.Join)),
                BlockMicroseconds(trial, rewrite.Branch.Append(rewrite.Residual).Append(rewrite.Join)),
                model.Microseconds, trial.Microseconds);
            estimates.Add(estimate);
            if (!estimate.Pays) continue;
            accepted.Add(rewrite);
            model = trial;
        }
        return estimates;
    }

    /// <summary>
    /// Rewrites <paramref name="graph"/> on <paramref name="chunks"/>: the residual blocks named in <paramref name="blocks"/>
    /// (by <see cref="ResidualBlock.Name"/>), or when null those the cost model estimates faster in S2D form, at the
    /// calibration batch (<see cref="ModelCompressionOptions.Batch"/>) of the chunks' length; <paramref name="progress"/> hears each block's record.
    /// </summary>
    /// <exception cref="ArgumentException">No chunks, a graph with several inputs, an unknown block, or a block whose frames are not a multiple of 3.</exception>
    public static CompressedModel Apply(ModelGraph graph, IReadOnlyList<float[]> chunks, ModelCompressionOptions options,
        IProgress<LayerCompressionRecord>? progress, CancellationToken cancellationToken, IReadOnlySet<string>? blocks = null)
    {
        if (chunks.Count == 0) throw new ArgumentException("no calibration chunks to fit on", nameof(chunks));
        if (graph.Inputs.Count != 1) throw new ArgumentException($"graph '{graph.Name}' has {graph.Inputs.Count} inputs; the rewrite runs one-input models");
        var samples = chunks[0].Length;
        var batchSize = Math.Max(1, options.Batch);
        var estimates = Estimate(graph, batchSize, samples);
        var unknown = blocks?.Except(estimates.Select(e => e.Block.Name)).ToArray() ?? [];
        if (unknown.Length > 0)
            throw new ArgumentException($"graph '{graph.Name}' has no residual block {string.Join(", ", unknown)}; it has {string.Join(", ", estimates.Select(e => e.Block.Name))}");
        var paying = estimates.Where(e => blocks?.Contains(e.Block.Name) ?? e.Pays).ToArray();
        var rewrites = paying.Select(e => SpaceToDepthNodes.Of(e.Block, graph.Weights)).ToArray();
        var rewritten = SpaceToDepthNodes.Apply(graph, rewrites);
        var weights = new OrderedDictionary<string, WeightTensor>(rewritten.Weights);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Threads), CancellationToken = cancellationToken };
        var values = new Dictionary<string, FloatTensor[]>
        {
            [graph.Inputs[0].Name] = chunks.Chunk(batchSize).Select(batch =>
                new FloatTensor([batch.Length, 1, samples], batch.SelectMany(c => c).ToArray())).ToArray(),
        };
        var lastUse = new Dictionary<string, int>();
        for (var i = 0; i < rewritten.Nodes.Count; i++)
            foreach (var input in rewritten.Nodes[i].Inputs) lastUse[input] = i;
        var outputs = rewritten.Outputs.Select(o => o.Name).ToHashSet();
        var byDown = rewrites.ToDictionary(r => r.Down.Name);
        var byUp = rewrites.ToDictionary(r => r.Up.Name);
        var targets = new Dictionary<string, FloatTensor[]>();
        var clocks = new Dictionary<string, Stopwatch>();
        var records = new List<LayerCompressionRecord>();
        for (var i = 0; i < rewritten.Nodes.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var node = rewritten.Nodes[i];
            if (byDown.TryGetValue(node.Name, out var opening))
            {
                clocks[opening.Up.Name] = Stopwatch.StartNew();
                targets[opening.Up.Name] = FitDown(opening, values, graph, weights, options, parallel, cancellationToken);
            }
            values[node.Output] = FloatExecutor.RunNodeOnBatches(node, values, weights, parallel);
            if (byUp.TryGetValue(node.Name, out var closing))
            {
                var target = targets[node.Name];
                var (up, bias) = SpaceToDepthFit.Up(values[node.Inputs[0]], target);
                weights[((Graph.Operations.ConvTranspose1d)node.Operation).Weight] = new WeightTensor([closing.InnerChannels, closing.Block.Channels, SpaceToDepthNodes.Factor], up);
                var residualBias = ((Graph.Operations.Conv1d)closing.Residual.Operation).Bias!;
                weights[residualBias] = new WeightTensor([closing.Block.Channels],
                    weights[residualBias].Values.ToArray().Select((v, o) => v + bias[o]).ToArray());
                values[node.Output] = FloatExecutor.RunNodeOnBatches(node, values, weights, parallel);
                // The branch's error against the original one; the bias it leaves to the residual added back for the comparison.
                var branch = values[node.Output].Select(t => AddBias(t, bias)).ToArray();
                var record = Record(closing, graph, weights, OutputRecalibration.RelativeError(target, branch),
                    paying.Single(p => p.Block == closing.Block), clocks[node.Name].Elapsed.TotalSeconds);
                targets.Remove(node.Name);
                records.Add(record);
                progress?.Report(record);
            }
            foreach (var input in node.Inputs)
                if (lastUse[input] <= i && !outputs.Contains(input)) values.Remove(input);
        }
        var result = new ModelGraph(rewritten.Name, rewritten.Inputs, rewritten.Nodes, rewritten.Outputs, weights);
        return new CompressedModel(result, options, records, chunks.Count, graph.ParameterCount);
    }

    /// <summary>Fits the stride-3 convolution in on the block's input; returns what the original main branch makes of that input (the target of the fit out).</summary>
    private static FloatTensor[] FitDown(SpaceToDepthNodes rewrite, Dictionary<string, FloatTensor[]> values, ModelGraph original,
        OrderedDictionary<string, WeightTensor> weights, ModelCompressionOptions options, ParallelOptions parallel, CancellationToken cancellationToken)
    {
        var input = values[rewrite.Block.Input];
        var frames = input[0].Dim(2);
        if (frames % SpaceToDepthNodes.Factor != 0)
            throw new ArgumentException($"block '{rewrite.Block.Name}' sees {frames} frames per chunk; its S2D form needs a multiple of {SpaceToDepthNodes.Factor} (choose a chunk length that gives one)");
        var layer = CompressibleLayer.Of(rewrite.Down)!;
        var gram = LayerInputGram.Collect(layer, input, options.Threads, cancellationToken)[0];
        var rows = input.Sum(t => (long)t.Dim(0) * (frames / SpaceToDepthNodes.Factor));
        weights[((Graph.Operations.Conv1d)rewrite.Down.Operation).Weight] =
            new WeightTensor([rewrite.InnerChannels, rewrite.Block.Channels, SpaceToDepthNodes.Factor], SpaceToDepthFit.Down(gram, rows, rewrite.InnerChannels));
        var branch = new Dictionary<string, FloatTensor[]> { [rewrite.Block.Input] = input };
        foreach (var node in rewrite.Block.Main) branch[node.Output] = FloatExecutor.RunNodeOnBatches(node, branch, original.Weights, parallel);
        return branch[rewrite.Block.Main[^1].Output];
    }

    private static FloatTensor AddBias(FloatTensor x, float[] bias)
    {
        var (batch, channels, length) = (x.Dim(0), x.Dim(1), x.Dim(2));
        var result = FloatTensor.Zeros(x.Shape);
        for (var b = 0; b < batch; b++)
            for (var c = 0; c < channels; c++)
                for (var t = 0; t < length; t++)
                {
                    var index = (b * channels + c) * length + t;
                    result.Values[index] = x.Values[index] + bias[c];
                }
        return result;
    }

    private static LayerCompressionRecord Record(SpaceToDepthNodes rewrite, ModelGraph original, IReadOnlyDictionary<string, WeightTensor> weights,
        double error, SpaceToDepthEstimate estimate, double seconds)
    {
        var block = rewrite.Block;
        var (c, wide) = (block.Channels, rewrite.InnerChannels);
        int Count(IReadOnlyDictionary<string, WeightTensor> from, IEnumerable<GraphNode> nodes) => nodes.SelectMany(n => n.Operation.WeightNames).Sum(w => from[w].Count);
        var deployed = Count(weights, rewrite.Branch);
        return new LayerCompressionRecord
        {
            Layer = block.Name,
            Kind = "residual block",
            Shape = $"{block.Main.Count} layers at {c} channels",
            Method = $"s2d: {wide}×{c}×3 stride 3, {block.Main.Count} layers at {wide} channels on a third of the frames, transposed {wide}×{c}×3 stride 3",
            Note = System.FormattableString.Invariant(
                $"Edge TPU estimate (not measured) per batch: block {estimate.DenseMicroseconds:0} → {estimate.S2dMicroseconds:0} µs, model {estimate.ModelMicroseconds:0} → {estimate.ModelWithS2dMicroseconds:0} µs; inner layers start as identities: fine-tune"),
            Weights = Count(original.Weights, block.Main),
            DeployedWeights = deployed,
            Nonzeros = rewrite.Branch.SelectMany(n => n.Operation.WeightNames).Sum(w => weights[w].Values.ToArray().Count(v => v != 0)),
            RelativeError = error,
            Seconds = seconds,
        };
    }

    private static ModelCostEstimate EstimateOf(ModelGraph graph, int batch, int samples) =>
        EdgeTpuCostModel.Estimate(LowerToNhwc.Apply(LowerSwish.Apply(graph), batch, samples));

    /// <summary>The estimated time of the operators lowered from <paramref name="nodes"/> (a swish's σ and product are named after it).</summary>
    private static double BlockMicroseconds(ModelCostEstimate estimate, IEnumerable<GraphNode> nodes)
    {
        var names = nodes.Select(n => n.Name).ToHashSet();
        return estimate.Operators.Where(o => names.Contains(o.Name) || names.Any(n => o.Name.StartsWith(n + ".", StringComparison.Ordinal)))
            .Sum(o => o.Microseconds);
    }
}
