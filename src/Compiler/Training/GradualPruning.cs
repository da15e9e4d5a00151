using Dipper.Compiler.Numerics;
using Dipper.Compiler.Passes.Compression;
using static TorchSharp.torch;

namespace Dipper.Compiler.Training;

/// <summary>
/// Pruning while training instead of before it (Zhu and Gupta, "To prune, or not to prune", 2017): every
/// <see cref="Interval"/> steps the smallest weights of each layer are set to zero and held there, the sparsity
/// rising from 0 at step 0 along s·(1 − (1 − t/T)³) to <see cref="Sparsity"/> at step T = <see cref="EndStep"/>;
/// the steps after T train with the final zeros. Pruned in one shot, a model loses most where the cut is large; pruned
/// a little at a time, the weights left take over what each small cut removed while the teacher is still watching.
/// The cut is <see cref="MagnitudePruning"/>'s, layer by layer as <c>dipper compress --prune magnitude</c> makes it:
/// every convolution and linear layer at the same sparsity, a depthwise convolution channel by channel.
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

    /// <summary>Cuts every layer of <paramref name="model"/> to <see cref="SparsityAt"/>(<paramref name="step"/>) and holds the zeros in <paramref name="mask"/>.</summary>
    public void Prune(GraphModule model, SparsityMask mask, int step)
    {
        var sparsity = SparsityAt(step);
        var weights = model.TrainedWeights;
        foreach (var node in model.Graph.Nodes)
        {
            if (CompressibleLayer.Of(node) is not { } layer || !weights.TryGetValue(layer.Weight, out var weight)) continue;
            float[] values;
            using (var current = weight.detach().cpu().contiguous()) values = current.data<float>().ToArray();
            var keep = new bool[values.Length];
            var size = layer.GroupOutputs * layer.GroupInputs;
            for (var g = 0; g < layer.Groups; g++)
            {
                var group = new Matrix<float>(layer.GroupOutputs, layer.GroupInputs, values.AsSpan(g * size, size).ToArray());
                var pruned = MagnitudePruning.Prune(group, sparsity).AsSpan();
                for (var i = 0; i < size; i++) keep[g * size + i] = pruned[i] != 0;
            }
            mask.Hold(layer.Weight, weight, tensor(keep, weight.shape));
        }
    }
}
