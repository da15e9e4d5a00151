namespace Dipper.Compiler.Graph.Operations;

/// <summary>
/// Fully connected layer over the last axis, as PyTorch's <c>nn.Linear</c>: y = x·Wᵀ + b with weight
/// [out, in] and optional bias [out]. A base caller's output layer maps features to class scores per frame.
/// </summary>
public sealed record Linear : Operation
{
    /// <summary>Features in (size of the last input axis).</summary>
    public required int InFeatures { get; init; }

    /// <summary>Features out.</summary>
    public required int OutFeatures { get; init; }

    /// <summary>Name of the weight [out, in].</summary>
    public required string Weight { get; init; }

    /// <summary>Name of the bias [out], or null for none.</summary>
    public string? Bias { get; init; }

    /// <inheritdoc />
    public override string Kind => "Linear";

    /// <inheritdoc />
    public override IEnumerable<string> WeightNames => Bias is null ? [Weight] : [Weight, Bias];

    /// <inheritdoc />
    public override TensorShape InferShape(IReadOnlyList<TensorShape> inputs, Func<string, WeightTensor> weights)
    {
        var input = inputs[0];
        Require(input.Rank >= 1, "input must have at least one axis");
        RequireSize(input[-1], InFeatures, "input features");
        CheckWeight(weights, Weight, OutFeatures, InFeatures);
        if (Bias is not null) CheckWeight(weights, Bias, OutFeatures);
        return input.With(-1, OutFeatures);
    }
}
