using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Execution;
using Dipper.Compiler.Graph.Operations;

namespace Dipper.Compiler.Passes.Merging;

/// <summary>
/// Merges two networks of one architecture, trained from different seeds, into one of the same size without training
/// (the training-free variant of Pašen and Boža's merge; ../shared/research/merging.md §2):
/// <list type="number">
/// <item>concatenate them into the doubled network that computes their ensemble (<see cref="ModelConcatenation"/>);</item>
/// <item>run it on calibration chunks and keep, in every doubled channel set, the half of the channels that explains
/// the most of what the layers reading the set see (<see cref="ChannelSelection"/>);</item>
/// <item>cut every layer's weights to the kept channels, then, layer by layer in graph order on the merged network's
/// own values, refit each full convolution and linear layer that lost inputs by least squares towards the doubled
/// network's output (<see cref="ConsumerRefit"/>).</item>
/// </list>
/// Depthwise layers keep their kept channels' kernels (there is nothing to refit: a channel's kernel reads only that
/// channel); the layer reading the signal keeps its kept rows. Fine-tuning afterwards (<c>dipper finetune</c>) is a
/// separate step.
/// </summary>
public static class NetworkMerge
{
    /// <summary>Merges <paramref name="a"/> and <paramref name="b"/> (BatchNorm-folded, one architecture) on <paramref name="chunks"/>.</summary>
    /// <exception cref="ArgumentException">No chunks.</exception>
    /// <exception cref="GraphException">The graphs are not one architecture, or hold an operation a merge cannot follow.</exception>
    public static MergedModel Apply(ModelGraph a, ModelGraph b, IReadOnlyList<float[]> chunks, MergeOptions options, CancellationToken cancellationToken)
    {
        if (chunks.Count == 0) throw new ArgumentException("no calibration chunks to merge on", nameof(chunks));
        if (a.Inputs.Count != 1) throw new GraphException($"graph '{a.Name}' has {a.Inputs.Count} inputs; merging runs one-input models");
        var doubled = ModelConcatenation.Apply(a, b);
        var spaces = ChannelSpaces.Of(a);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Threads), CancellationToken = cancellationToken };
        var samples = chunks[0].Length;
        var batches = chunks.Chunk(Math.Max(1, options.Batch))
            .Select(batch => new FloatTensor([batch.Length, 1, samples], batch.SelectMany(c => c).ToArray())).ToArray();

        var selection = new ChannelSelection(doubled, spaces);
        var executor = new FloatExecutor(doubled);
        Parallel.ForEach(batches, parallel, batch => executor.Run(batch, (value, tensor) =>
        {
            lock (selection) selection.Observe(value, tensor);
        }));
        var choices = selection.Choose();
        int[] Kept(string value, int width) =>
            spaces.IsReduced(value) ? choices[spaces[value]].Kept : Enumerable.Range(0, width).ToArray();

        var weights = Slice(a, doubled, Kept);
        var refits = new List<LayerRefit>();
        var doubledValues = new Dictionary<string, FloatTensor[]> { [a.Inputs[0].Name] = batches };
        var mergedValues = new Dictionary<string, FloatTensor[]> { [a.Inputs[0].Name] = batches };
        var lastUse = new Dictionary<string, int>();
        for (var i = 0; i < a.Nodes.Count; i++)
            foreach (var input in a.Nodes[i].Inputs) lastUse[input] = i;
        for (var i = 0; i < a.Nodes.Count; i++)
        {
            var (node, doubledNode) = (a.Nodes[i], doubled.Nodes[i]);
            var doubledOutput = FloatExecutor.RunNodeOnBatches(doubledNode, doubledValues, doubled.Weights, parallel);
            if (IsFullLayer(node) && spaces.IsReduced(node.Inputs[0]))
            {
                var refit = new ConsumerRefit(node, Kept(node.Output, Width(doubledNode)));
                var input = mergedValues[node.Inputs[0]];
                for (var batch = 0; batch < batches.Length; batch++) refit.Add(input[batch], doubledOutput[batch]);
                var (before, after) = refit.Solve(weights, options.Ridge);
                refits.Add(new LayerRefit(node.Name, refit.Columns, before, after));
            }
            doubledValues[node.Output] = doubledOutput;
            mergedValues[node.Output] = FloatExecutor.RunNodeOnBatches(node, mergedValues, weights, parallel);
            foreach (var input in node.Inputs.Where(v => lastUse[v] == i))
            {
                doubledValues.Remove(input);
                mergedValues.Remove(input);
            }
        }
        var merged = new ModelGraph(a.Name, a.Inputs, a.Nodes, a.Outputs, weights);
        var ordered = choices.OrderBy(c => c.Key).Select(c => c.Value).ToArray();
        return new MergedModel(merged, ordered, refits, chunks.Count);
    }

    /// <summary>A's weights taken from the doubled network's: each layer's rows and columns cut to the kept channels.</summary>
    private static OrderedDictionary<string, WeightTensor> Slice(ModelGraph a, ModelGraph doubled, Func<string, int, int[]> kept)
    {
        var weights = new OrderedDictionary<string, WeightTensor>();
        for (var i = 0; i < a.Nodes.Count; i++)
        {
            var (node, doubledNode) = (a.Nodes[i], doubled.Nodes[i]);
            var (weight, bias) = node.Operation switch
            {
                Conv1d conv => (conv.Weight, conv.Bias),
                Linear linear => (linear.Weight, linear.Bias),
                _ => (null, null),
            };
            if (weight is null) continue;
            var full = doubled.Weights[weight];
            var rows = kept(node.Output, full.Shape[0]);
            var columns = node.Operation is Conv1d c && ChannelSpaces.IsDepthwise(c) ? [0] : kept(node.Inputs[0], full.Shape[1]);
            var kernel = full.Count / (full.Shape[0] * full.Shape[1]);
            var values = new float[rows.Length * columns.Length * kernel];
            for (var o = 0; o < rows.Length; o++)
                for (var j = 0; j < columns.Length; j++)
                    full.Values.Slice((rows[o] * full.Shape[1] + columns[j]) * kernel, kernel)
                        .CopyTo(values.AsSpan((o * columns.Length + j) * kernel, kernel));
            weights[weight] = new WeightTensor(a.Weights[weight].Shape, values);
            if (bias is not null)
            {
                var fullBias = doubled.Weights[bias].Values.ToArray();
                weights[bias] = new WeightTensor([rows.Length], rows.Select(r => fullBias[r]).ToArray());
            }
        }
        return weights;
    }

    private static bool IsFullLayer(GraphNode node) => node.Operation switch
    {
        Conv1d conv => !ChannelSpaces.IsDepthwise(conv),
        Linear => true,
        _ => false,
    };

    private static int Width(GraphNode node) => node.Operation switch
    {
        Conv1d conv => conv.OutChannels,
        Linear linear => linear.OutFeatures,
        _ => throw new GraphException($"node '{node.Name}' has no output channels"),
    };
}
