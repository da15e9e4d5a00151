namespace Dipper.Compiler.Graph.Operations;

/// <summary>
/// Dynamic pooling (Boža et al., Heron and Osprey; ../shared/research/osprey_heron.md §1): learnt, data-dependent
/// downsampling. Each frame t of features [batch, channels, T] has a weight w = σ(a) and a move m = σ(b)·r from two
/// logits [batch, 2, T] (channel 0 the weight, 1 the move) and the trained scale r (<see cref="NormMean"/>); its
/// position p is the prefix sum of the moves, and the frame is split by linear interpolation between output frames
/// ⌊p⌋ and ⌊p⌋ + 1. Slow translocation makes small moves, so many samples pool into one frame; the output length is
/// ⌊p[T−1]⌋ + 2 and depends on the read, so the op runs on the host between two parts of the network. In training the
/// batch's mean move is held at <see cref="MeanMove"/> (length control) and r follows it as a running mean.
/// </summary>
public sealed record DynamicPool : Operation
{
    /// <summary>Name of the scale r [1] applied to the moves at inference (a running mean, not trained by gradient).</summary>
    public required string NormMean { get; init; }

    /// <summary>The mean move training holds each batch to: 1/3 pools by 3 on average, as a stride-3 convolution would.</summary>
    public double MeanMove { get; init; } = 1.0 / 3;

    /// <summary>Weight of each batch in r's running mean (Heron: 0.01).</summary>
    public double Momentum { get; init; } = 0.01;

    /// <inheritdoc />
    public override string Kind => "DynamicPool";

    /// <inheritdoc />
    public override int InputCount => 2;

    /// <inheritdoc />
    public override IEnumerable<string> WeightNames => [NormMean];

    /// <inheritdoc />
    public override IEnumerable<string> ParameterNames => [];

    /// <summary>The output length of a read whose last position is <paramref name="lastPosition"/>: ⌊p[T−1]⌋ + 2.</summary>
    public static int OutputLength(float lastPosition) => Basecaller.Inference.DynamicPooling.OutputLength(lastPosition);

    /// <inheritdoc />
    public override TensorShape InferShape(IReadOnlyList<TensorShape> inputs, Func<string, WeightTensor> weights)
    {
        Require(MeanMove > 0 && Momentum is > 0 and <= 1, "the mean move must be positive and the momentum in (0, 1]");
        var (features, logits) = (inputs[0], inputs[1]);
        Require(features.Rank == 3, $"features must be [batch, channels, time], are {features}");
        Require(logits.Rank == 3, $"logits must be [batch, 2, time], are {logits}");
        RequireSize(logits[1], 2, "logit channels (weight, move)");
        for (var axis = 0; axis < 3; axis += 2)
        {
            if (features[axis].IsFixed && logits[axis].IsFixed)
                Require(features[axis].Size == logits[axis].Size, $"features {features} and logits {logits} differ in batch or time");
        }
        CheckWeight(weights, NormMean, 1);
        return new TensorShape(features[0], features[1], Dim.Unknown);
    }
}
