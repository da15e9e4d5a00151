using System.Diagnostics;
using System.Globalization;
using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Execution;
using Dipper.Compiler.Numerics;

namespace Dipper.Compiler.Passes.Compression;

/// <summary>
/// Compresses every convolution and linear layer of a model, in graph order, each on the inputs the
/// already-compressed layers before it produce (as the reference drivers do block by block). The
/// calibration chunks are run through the graph once, node by node: the live values of all chunks are
/// kept (a few values of chunks × channels × frames), each layer's H is accumulated from its input, the
/// layer is compressed, and only then is it run, with its new weights, to make the next values. Every
/// value comes from <see cref="FloatExecutor.RunNode"/>, so it equals what the executor computes for the
/// partially compressed graph. The dense graph runs alongside (unless both options below are off): with
/// <see cref="ModelCompressionOptions.FitDenseOutput"/> each layer is compressed towards the weights that
/// give back the dense model's output from its new inputs (<see cref="DenseOutputFit"/>), so it corrects
/// the errors upstream instead of adding to them; with <see cref="ModelCompressionOptions.Recalibrate"/>
/// each compressed layer's output channels are then rescaled and shifted to the dense model's mean and
/// spread at that node (<see cref="OutputRecalibration"/>) before the next layer sees them. Works on the
/// folded graph, before or after LowerSwish.
/// </summary>
public static class ModelCompression
{
    /// <summary>
    /// Compresses <paramref name="graph"/> (one input [batch, channels, samples]) on
    /// <paramref name="chunks"/>; <paramref name="progress"/> hears each layer's record when it is done.
    /// </summary>
    /// <exception cref="ArgumentException">No chunks, or a graph with several inputs.</exception>
    public static CompressedModel Apply(ModelGraph graph, IReadOnlyList<float[]> chunks, ModelCompressionOptions options,
        IProgress<LayerCompressionRecord>? progress, CancellationToken cancellationToken)
    {
        if (chunks.Count == 0) throw new ArgumentException("no calibration chunks to compress on", nameof(chunks));
        if (graph.Inputs.Count != 1) throw new ArgumentException($"graph '{graph.Name}' has {graph.Inputs.Count} inputs; compression runs one-input models");
        if (!(options.Sparsity >= 0 && options.Sparsity < 1)) throw new ArgumentException("sparsity must be in [0, 1)");
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Threads), CancellationToken = cancellationToken };

        var samples = chunks[0].Length;
        var values = new Dictionary<string, FloatTensor[]>
        {
            [graph.Inputs[0].Name] = chunks.Chunk(Math.Max(1, options.Batch)).Select(batch =>
                new FloatTensor([batch.Length, 1, samples], batch.SelectMany(c => c).ToArray())).ToArray(),
        };
        var lastUse = new Dictionary<string, int>();
        for (var i = 0; i < graph.Nodes.Count; i++)
            foreach (var input in graph.Nodes[i].Inputs) lastUse[input] = i;
        var outputs = graph.Outputs.Select(o => o.Name).ToHashSet();
        var taken = graph.Nodes.SelectMany(n => new[] { n.Name, n.Output }).Concat(graph.Inputs.Select(i => i.Name))
            .Concat(graph.Weights.Keys).ToHashSet();

        var kept = options.KeepDense.Resolve(graph.Nodes.Select(CompressibleLayer.Of).OfType<CompressibleLayer>().ToArray());
        var weights = new OrderedDictionary<string, WeightTensor>(graph.Weights);
        // The dense model's values, run alongside for the fit and the recalibration: each layer is fitted, and its output
        // matched, to the dense model's output at the same node (dense input, dense layer).
        Dictionary<string, FloatTensor[]>? dense = options.Recalibrate || options.FitDenseOutput ? new(values) : null;
        var nodes = new List<GraphNode>();
        var records = new List<LayerCompressionRecord>();
        for (var i = 0; i < graph.Nodes.Count; i++)
        {
            var node = graph.Nodes[i];
            if (dense is not null) dense[node.Output] = FloatExecutor.RunNodeOnBatches(node, dense, graph.Weights, parallel);
            if (CompressibleLayer.Of(node) is not { } layer)
            {
                values[node.Output] = FloatExecutor.RunNodeOnBatches(node, values, weights, parallel);
                nodes.Add(node);
            }
            else if (kept.Contains(node.Name))
            {
                // Not compressed, so nothing to recalibrate: changing its weights would break the promise that they are the
                // trained ones. Its input comes from compressed layers; the next compressed layer's recalibration corrects that drift.
                var clock = Stopwatch.StartNew();
                values[node.Output] = FloatExecutor.RunNodeOnBatches(node, values, weights, parallel);
                nodes.Add(node);
                var record = KeptDense(layer, weights[layer.Weight]) with
                {
                    DenseError = options.Recalibrate ? OutputRecalibration.RelativeError(dense![node.Output], values[node.Output]) : null,
                    Seconds = clock.Elapsed.TotalSeconds,
                };
                records.Add(record);
                progress?.Report(record);
            }
            else
            {
                var clock = Stopwatch.StartNew();
                var grams = LayerInputGram.Collect(layer, values[node.Inputs[0]], options.Threads, cancellationToken);
                var input = node.Inputs[0];
                // Nothing upstream compressed (the stem): the dense output is the layer's own, and W* = W.
                var fit = options.FitDenseOutput && !ReferenceEquals(values[input], dense![input]);
                var target = fit
                    ? FitToDenseOutput(layer, weights[layer.Weight], grams,
                        LayerInputGram.CollectCross(layer, values[input], dense![input], options.Threads, cancellationToken))
                    : weights[layer.Weight];
                var (compressed, record) = Compress(layer, target, grams, options, parallel);
                record = record with { FittedToDenseOutput = fit };
                var replacement = Install(node, layer, compressed, weights, taken).ToArray();
                foreach (var step in replacement) values[step.Output] = FloatExecutor.RunNodeOnBatches(step, values, weights, parallel);
                if (options.Recalibrate)
                {
                    // A factorised layer is corrected in its second (pointwise A) node, which makes the layer's output.
                    var before = OutputRecalibration.RelativeError(dense![node.Output], values[node.Output]);
                    var (scale, shift) = OutputRecalibration.Match(values[node.Output], dense[node.Output], OutputRecalibration.ChannelAxis(node));
                    replacement[^1] = OutputRecalibration.Fold(replacement[^1], scale, shift, weights, taken);
                    values[node.Output] = FloatExecutor.RunNodeOnBatches(replacement[^1], values, weights, parallel);
                    record = record with
                    {
                        Recalibrated = true,
                        DenseErrorBeforeRecalibration = before,
                        DenseError = OutputRecalibration.RelativeError(dense[node.Output], values[node.Output]),
                    };
                }
                nodes.AddRange(replacement);
                foreach (var step in replacement.Where(s => s.Output != node.Output)) values.Remove(step.Output);
                records.Add(record = record with
                {
                    Seconds = clock.Elapsed.TotalSeconds,
                    DeployedWeights = replacement.Sum(n => weights[CompressibleLayer.Of(n)!.Weight].Count),
                    InnerChannels = replacement.Length == 2 ? CompressibleLayer.Of(replacement[0])!.Outputs : null,
                });
                progress?.Report(record);
            }
            foreach (var input in node.Inputs)
            {
                if (lastUse[input] != i || outputs.Contains(input)) continue;
                values.Remove(input);
                dense?.Remove(input);
            }
        }
        var compressedGraph = new ModelGraph(graph.Name, graph.Inputs, nodes, graph.Outputs, weights);
        return new CompressedModel(compressedGraph, options, records, chunks.Count, graph.ParameterCount);
    }

    private static LayerCompressionRecord KeptDense(CompressibleLayer layer, WeightTensor weight)
    {
        var nonzeros = 0;
        foreach (var v in weight.Values) if (v != 0) nonzeros++;
        return new LayerCompressionRecord
        {
            Layer = layer.Node.Name,
            Kind = layer.Kind,
            Shape = layer.ShapeText,
            Method = LayerCompressionRecord.KeptDenseMethod,
            Weights = layer.WeightCount,
            DeployedWeights = layer.WeightCount,
            Nonzeros = nonzeros,
            RelativeError = 0,
            Seconds = 0,
        };
    }

    /// <summary>The layer's weights replaced group by group by <see cref="DenseOutputFit.Target"/>.</summary>
    private static WeightTensor FitToDenseOutput(CompressibleLayer layer, WeightTensor weight, Matrix<double>[] grams, Matrix<double>[] cross)
    {
        var values = new float[weight.Count];
        var size = layer.GroupOutputs * layer.GroupInputs;
        for (var g = 0; g < layer.Groups; g++)
        {
            var w = layer.GroupWeights(weight, g);
            try
            {
                DenseOutputFit.Target(w, grams[g], cross[g]).AsSpan().CopyTo(values.AsSpan(g * size, size));
            }
            catch (MatrixNotPositiveDefiniteException)
            {
                w.AsSpan().CopyTo(values.AsSpan(g * size, size)); // inputs that are all zero: nothing to fit
            }
        }
        return new WeightTensor(weight.Shape, values);
    }

    /// <summary>What one layer became: new weights per group, or two factors.</summary>
    private sealed record LayerOutcome(Matrix<float>[] Groups, FactorizedLayer? Factors);

    private static (LayerOutcome, LayerCompressionRecord) Compress(CompressibleLayer layer, WeightTensor weight, Matrix<double>[] grams,
        ModelCompressionOptions options, ParallelOptions parallel)
    {
        var inv = CultureInfo.InvariantCulture;
        string? note = null;
        var pattern = options.Pattern;
        var sparsity = options.Sparsity;
        if (pattern is { } nm && layer.GroupInputs % nm.GroupSize != 0)
        {
            note = string.Create(inv, $"{layer.GroupInputs} inputs do not split into groups of {nm.GroupSize}: unstructured at {nm.Sparsity:0.###}");
            pattern = null;
        }
        var perGroup = layer.IsDepthwise ? " per channel" : layer.Groups > 1 ? " per group" : "";
        var method = options.Method;
        if (method == CompressionMethod.Dsf && layer.Groups > 1)
        {
            // A depthwise channel is one row of k taps: there is nothing to split into two layers.
            method = CompressionMethod.Admm;
            note = $"{(layer.IsDepthwise ? "depthwise" : "grouped")}: rows of one channel group cannot be split into two layers; pruned by ADMM{perGroup}";
        }

        var weights = Enumerable.Range(0, layer.Groups).Select(g => layer.GroupWeights(weight, g)).ToArray();
        var results = new CompressedLayer[layer.Groups];
        var fallbacks = 0;
        Parallel.For(0, layer.Groups, parallel, g =>
        {
            try
            {
                results[g] = LayerCompression.Run(method, weights[g], grams[g], sparsity, pattern, options.Admm, options.Dsf);
            }
            catch (MatrixNotPositiveDefiniteException)
            {
                // A group whose inputs are (nearly) always zero leaves H singular even after damping; its weights see no data.
                results[g] = LayerCompression.Run(CompressionMethod.Magnitude, weights[g], grams[g], sparsity, pattern);
                Interlocked.Increment(ref fallbacks);
            }
        });
        if (fallbacks > 0) note = Join(note, $"{fallbacks} of {layer.Groups} groups had a singular H and were magnitude-pruned");

        var name = ModelCompressionOptions.NameOf(method) + perGroup + (pattern is { } p ? $" {p}" : "");
        if (method == CompressionMethod.Dsf)
        {
            // Factorising pays only if it reconstructs better than pruning to the same nonzero budget; otherwise
            // the second layer costs a dense accelerator more multiply-adds for nothing.
            var pruned = LayerCompression.Run(CompressionMethod.Admm, weights[0], grams[0], sparsity, null, options.Admm);
            var dsfError = ReconstructionError.Relative(weights[0], results[0].Weights, grams[0]);
            var admmError = ReconstructionError.Relative(weights[0], pruned.Weights, grams[0]);
            if (!(dsfError < admmError))
            {
                note = Join(note, string.Create(inv, $"DSF error {dsfError:0.####} is not below ADMM's {admmError:0.####} at the same budget: kept as one pruned layer"));
                results[0] = pruned;
                name = "admm";
            }
        }

        double error = 0, output = 0;
        for (var g = 0; g < layer.Groups; g++)
        {
            var (e, o) = ReconstructionError.Terms(weights[g], results[g].Weights, grams[g]);
            error += e;
            output += o;
        }
        var record = new LayerCompressionRecord
        {
            Layer = layer.Node.Name,
            Kind = layer.Kind,
            Shape = layer.ShapeText,
            Method = name,
            Note = note,
            Weights = layer.WeightCount,
            DeployedWeights = layer.WeightCount,
            Nonzeros = results.Sum(r => r.StoredNonzeros),
            RelativeError = output > 0 ? error / output : 0,
            Seconds = 0,
        };
        return (new LayerOutcome(results.Select(r => r.Weights).ToArray(), results[0].Factors), record);
    }

    /// <summary>Puts the outcome into the weights and returns the node(s) that now compute the layer.</summary>
    private static IReadOnlyList<GraphNode> Install(GraphNode node, CompressibleLayer layer, LayerOutcome outcome,
        OrderedDictionary<string, WeightTensor> weights, ISet<string> taken)
    {
        if (outcome.Factors is { } factors)
        {
            var split = FactorizedNodes.Of(node, factors, taken);
            weights.Remove(layer.Weight);
            weights[split.InnerWeightName] = split.InnerWeight;
            weights[split.OuterWeightName] = split.OuterWeight;
            return [split.Inner, split.Outer];
        }
        var original = weights[layer.Weight];
        var values = new float[original.Count];
        var size = layer.GroupOutputs * layer.GroupInputs;
        for (var g = 0; g < layer.Groups; g++) outcome.Groups[g].AsSpan().CopyTo(values.AsSpan(g * size, size));
        weights[layer.Weight] = new WeightTensor(original.Shape, values);
        return [node];
    }

    private static string Join(string? first, string second) => first is null ? second : $"{first}; {second}";
}
