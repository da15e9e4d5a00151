namespace Dipper.Compiler.Graph.Operations;

/// <summary>Swish (SiLU) activation x·σ(x), elementwise; the activation of Bonito/QuartzNet base callers.</summary>
public sealed record Swish : Operation
{
    /// <inheritdoc />
    public override string Kind => "Swish";

    /// <inheritdoc />
    public override TensorShape InferShape(IReadOnlyList<TensorShape> inputs, Func<string, WeightTensor> weights) => inputs[0];
}
