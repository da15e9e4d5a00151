namespace Dipper.Compiler.Graph.Operations;

/// <summary>
/// Inference-mode batch normalisation over the channels of [batch, channels, time]:
/// y = (x − mean) / √(var + ε) · scale + shift. Kept in the graph as imported so that folding it
/// into the preceding convolution is an explicit, testable pass.
/// </summary>
public sealed record BatchNorm1d : Operation
{
    /// <summary>Channels normalised.</summary>
    public required int Channels { get; init; }

    /// <summary>ε added to the variance (PyTorch's default is 1e-5; Bonito-style models use 1e-3).</summary>
    public required double Epsilon { get; init; }

    /// <summary>Name of the learned per-channel scale γ (PyTorch's <c>weight</c>).</summary>
    public required string Scale { get; init; }

    /// <summary>Name of the learned per-channel shift β (PyTorch's <c>bias</c>).</summary>
    public required string Shift { get; init; }

    /// <summary>Name of the running mean collected during training.</summary>
    public required string RunningMean { get; init; }

    /// <summary>Name of the running variance collected during training.</summary>
    public required string RunningVariance { get; init; }

    /// <inheritdoc />
    public override string Kind => "BatchNorm1d";

    /// <inheritdoc />
    public override IEnumerable<string> WeightNames => [Scale, Shift, RunningMean, RunningVariance];

    /// <inheritdoc />
    public override IEnumerable<string> ParameterNames => [Scale, Shift];

    /// <inheritdoc />
    public override TensorShape InferShape(IReadOnlyList<TensorShape> inputs, Func<string, WeightTensor> weights)
    {
        Require(Epsilon > 0, "epsilon must be positive");
        var input = inputs[0];
        Require(input.Rank == 3, $"input must be [batch, channels, time], is {input}");
        RequireSize(input[1], Channels, "input channels");
        foreach (var name in WeightNames) CheckWeight(weights, name, Channels);
        return input;
    }
}
