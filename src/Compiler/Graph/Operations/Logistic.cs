namespace Dipper.Compiler.Graph.Operations;

/// <summary>
/// The logistic sigmoid σ(x) = 1 / (1 + e^−x), elementwise. Appears when swish is lowered to
/// x·σ(x) for targets (TFLite int8, the Edge TPU) that have LOGISTIC and MUL but no swish.
/// </summary>
public sealed record Logistic : Operation
{
    /// <inheritdoc />
    public override string Kind => "Logistic";

    /// <inheritdoc />
    public override TensorShape InferShape(IReadOnlyList<TensorShape> inputs, Func<string, WeightTensor> weights) => inputs[0];
}
