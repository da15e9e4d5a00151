using Dipper.Compiler.Graph.Operations;
using static TorchSharp.torch;

namespace Dipper.Compiler.Training;

/// <summary>
/// Dynamic pooling (<see cref="DynamicPool"/>) in libtorch, differentiable, for the training module. Gradients reach
/// the features and the weight logits through the two interpolation shares, and the move logits through the
/// positions: the output is continuous and piecewise linear in every position p (the share f = p − ⌊p⌋ moves mass
/// between neighbouring output frames as p grows, and ⌊p⌋ has zero gradient), so ∂O/∂m exists almost everywhere.
/// Heron's released code detaches the positions, leaving the move head without a gradient from the loss; we keep
/// them attached, because the pooling ratio is what the op is meant to learn, and because length control (the
/// batch's mean move scaled to <see cref="DynamicPool.MeanMove"/>) already stops the moves from collapsing or exploding.
/// The positions are summed by libtorch's cumsum (float32 values, accumulated in double on the CPU), not one float32
/// add at a time as inference does: training needs the gradient, and the two differ only by float32 rounding.
/// </summary>
public static class DynamicPoolingTraining
{
    /// <summary>Pools <paramref name="features"/> [N, C, T] by <paramref name="logits"/> [N, 2, T] to [N, C, L] (L of the longest read).</summary>
    /// <param name="features">The features to pool.</param>
    /// <param name="logits">Per frame: weight logit (channel 0), move logit (channel 1).</param>
    /// <param name="normMean">The scale r [1]: used as it is in evaluation; in training updated as a running mean of the batch scale.</param>
    /// <param name="training">True: length control from the batch (its mean move set to <see cref="DynamicPool.MeanMove"/>).</param>
    /// <param name="op">The op's settings.</param>
    /// <param name="lengths">Each read's own output length, ⌊p[T−1]⌋ + 2: the frames past it are padding to the longest.</param>
    public static Tensor Forward(Tensor features, Tensor logits, Tensor normMean, bool training, DynamicPool op, out long[] lengths)
    {
        var (batch, channels, frames) = (features.shape[0], features.shape[1], features.shape[2]);
        var weights = sigmoid(logits.select(1, 0));
        var raw = sigmoid(logits.select(1, 1));
        Tensor scale;
        if (training)
        {
            using (no_grad())
            {
                scale = (op.MeanMove / raw.mean()).to_type(features.dtype).reshape(1);
                normMean.mul_(1 - op.Momentum).add_(scale.to_type(normMean.dtype) * op.Momentum);
            }
        }
        else
        {
            scale = normMean.to_type(features.dtype);
        }
        var positions = (raw * scale).cumsum(1);
        var floor = positions.detach().floor();
        var share = positions - floor;
        var index = floor.to_type(ScalarType.Int64);
        using (var last = index.select(1, frames - 1) + 2) lengths = last.data<long>().ToArray();
        var length = lengths.Max();
        var low = ((1 - share) * weights).unsqueeze(1) * features;
        var high = (share * weights).unsqueeze(1) * features;
        var at = index.unsqueeze(1).expand(batch, channels, frames);
        return zeros([batch, channels, length], dtype: features.dtype, device: features.device)
            .scatter_add(2, at, low)
            .scatter_add(2, at + 1, high);
    }
}
