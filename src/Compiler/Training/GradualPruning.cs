using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using Dipper.Compiler.Graph.Operations;
using Dipper.Compiler.Numerics;
using Dipper.Compiler.Passes;
using Dipper.Compiler.Passes.Compression;
using static TorchSharp.torch;

namespace Dipper.Compiler.Training;

/// <summary>
/// Pruning while training instead of before it (Zhu and Gupta, "To prune, or not to prune", 2017): every
/// <see cref="Interval"/> steps the weights of least worth in each layer are set to zero and held there, the sparsity
/// rising from 0 at step 0 along s·(1 − (1 − t/T)³) to <see cref="Sparsity"/> at step T = <see cref="EndStep"/>;
/// the steps after T train with the final zeros. Pruned in one shot, a model loses most where the cut is large; pruned
/// a little at a time, the weights left take over what each small cut removed while the teacher is still watching.
/// Every convolution and linear layer is cut to the same sparsity, one threshold per layer (a depthwise convolution
/// channel by channel), by <see cref="Criterion"/>: magnitude (|W|, as <c>dipper compress --prune magnitude</c>) or
/// Wanda's |W_ij|·‖x_j‖, which weighs each weight by how loud its input is in the student as it stands. A DSF layer (a
/// factor pair, <see cref="FactorizedNodes"/>) is cut as the one layer it stands for: its two factors together keep
/// (1 − s) of that layer's weights, each factor giving up the same share of its nonzeros, so DSF's own budget and
/// split between the factors hold at every step.
/// </summary>
public sealed record GradualPruning
{
    /// <summary>The fraction of each layer's weights that is zero from <see cref="EndStep"/> on.</summary>
    public required double Sparsity { get; init; }

    /// <summary>The step at which the sparsity reaches <see cref="Sparsity"/>.</summary>
    public required int EndStep { get; init; }

    /// <summary>
    /// Steps between cuts: each cut is followed by steps in which the optimiser adapts the weights left, as in Zhu and
    /// Gupta's schedule, rather than a cut after every step.
    /// </summary>
    public int Interval { get; init; } = 10;

    /// <summary>
    /// What a weight is worth: <see cref="CompressionMethod.Magnitude"/> (|W|, needing no data) or
    /// <see cref="CompressionMethod.Wanda"/> (|W_ij|·‖x_j‖ on the step's training chunks: a small weight on a loud
    /// input outlives a larger one on a quiet input, which magnitude cannot see).
    /// </summary>
    public CompressionMethod Criterion { get; init; } = CompressionMethod.Magnitude;

    /// <summary>The criterion's command-line name, for provenance and reports.</summary>
    public string CriterionName => ModelCompressionOptions.NameOf(Criterion);

    /// <summary>The sparsity the schedule asks for at <paramref name="step"/>.</summary>
    public double SparsityAt(int step)
    {
        var progress = Math.Clamp((double)step / EndStep, 0, 1);
        return Sparsity * (1 - Math.Pow(1 - progress, 3));
    }

    /// <summary>True when <paramref name="step"/> (after its optimiser step) cuts: every <see cref="Interval"/> steps up to and at <see cref="EndStep"/>.</summary>
    public bool IsDue(int step) => step > 0 && step <= EndStep && (step % Interval == 0 || step == EndStep);

    /// <summary>True once the model has its final zeros: only students from then on may be kept as the best.</summary>
    public bool IsComplete(int step) => step >= EndStep;

    /// <summary>
    /// Cuts every layer of <paramref name="model"/> to <see cref="SparsityAt"/>(<paramref name="step"/>) and holds the zeros
    /// in <paramref name="mask"/>. <paramref name="input"/> gives the chunks the Wanda criterion measures the inputs on
    /// (the step's training chunks); magnitude does not call it.
    /// </summary>
    public void Prune(GraphModule model, SparsityMask mask, int step, Func<Tensor> input)
    {
        var sparsity = SparsityAt(step);
        var weights = model.TrainedWeights;
        var layers = model.Graph.Nodes.Select(CompressibleLayer.Of).OfType<CompressibleLayer>()
            .Where(l => weights.ContainsKey(l.Weight)).ToList();
        var values = layers.ToDictionary(l => l.Weight, l => Values(l, weights[l.Weight]));
        var norms = Criterion == CompressionMethod.Wanda ? InputNorms(model, layers, input) : null;
        // Trained with --batchnorm, a BatchNorm sits between B and A; folded away, the pair is as the package has it.
        var pairOf = FactorJoining.Pairs(FoldBatchNorm.Apply(model.Graph)).SelectMany(p => new[] { (p.Inner.Name, p), (p.Outer.Name, p) }).ToDictionary(x => x.Item1, x => x.p);

        foreach (var layer in layers)
        {
            var w = values[layer.Weight].AsSpan();
            var scores = new float[w.Length];
            TensorPrimitives.Abs(w, scores);
            if (norms is not null) Weigh(layer, scores, norms[layer.Node.Name]);
            var keep = new float[w.Length];
            var size = layer.GroupOutputs * layer.GroupInputs;
            if (pairOf.TryGetValue(layer.Node.Name, out var pair))
            {
                // The pair keeps (1 − s) of the weights of the layer it stands for; both factors give up the same share of their
                // nonzeros, each to the nearest weight (rounding down could leave a small factor, and so the layer, with none).
                var (inner, outer) = (CompressibleLayer.Of(pair.Inner)!, CompressibleLayer.Of(pair.Outer)!);
                var nonzeros = values[inner.Weight].CountNonzeros() + values[outer.Weight].CountNonzeros();
                var budget = (1 - sparsity) * outer.Outputs * (double)inner.GroupInputs;
                var kept = (int)Math.Round(values[layer.Weight].CountNonzeros() * Math.Min(1, budget / Math.Max(1, nonzeros)));
                Selection.KeepAllButSmallest<float>(scores, w.Length - kept, keep);
            }
            else
            {
                for (var g = 0; g < layer.Groups; g++)
                    Selection.KeepAllButSmallest<float>(scores.AsSpan(g * size, size), (int)(size * sparsity), keep.AsSpan(g * size, size));
            }
            var weight = weights[layer.Weight];
            mask.Hold(layer.Weight, weight, tensor(keep.Select(k => k != 0).ToArray(), weight.shape));
        }
    }

    /// <summary>The layer's trained weights as they stand, d_out × d_in per group stacked (the tensor's own order).</summary>
    private static Matrix<float> Values(CompressibleLayer layer, Tensor weight)
    {
        using var current = weight.detach().cpu().contiguous();
        return new Matrix<float>(layer.Outputs, layer.GroupInputs, current.data<float>().ToArray());
    }

    /// <summary>
    /// ‖x_c‖ of every input channel (feature) of every layer, over the chunks <paramref name="input"/> gives and all their
    /// frames, with the model as it stands in evaluation mode (BatchNorm on its running statistics, no gradient).
    /// </summary>
    private static Dictionary<string, float[]> InputNorms(GraphModule model, IReadOnlyList<CompressibleLayer> layers, Func<Tensor> input)
    {
        var training = model.training;
        model.eval();
        try
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var names = layers.Select(l => l.Node.Inputs[0]).ToHashSet();
            var activations = model.Values(input(), names);
            return layers.ToDictionary(l => l.Node.Name, l =>
            {
                var x = activations[l.Node.Inputs[0]];
                // A convolution's input is [batch, channels, frames]; a linear layer's features are its last axis.
                var squares = l.Node.Operation is Conv1d
                    ? x.square().sum([0L, 2L])
                    : x.square().reshape(-1, x.shape[^1]).sum([0L]);
                return squares.sqrt().to(float32).cpu().data<float>().ToArray();
            });
        }
        finally
        {
            model.train(training);
        }
    }

    /// <summary>Multiplies each weight's score by its input's norm: column j of a group reads channel g·(in/groups) + j / kernel.</summary>
    private static void Weigh(CompressibleLayer layer, Span<float> scores, float[] norms)
    {
        var kernel = layer.Node.Operation is Conv1d conv ? conv.KernelSize : 1;
        var channelsPerGroup = layer.GroupInputs / kernel;
        for (var i = 0; i < scores.Length; i++)
        {
            var row = i / layer.GroupInputs;
            var group = row / layer.GroupOutputs;
            scores[i] *= norms[group * channelsPerGroup + i % layer.GroupInputs / kernel];
        }
    }
}
