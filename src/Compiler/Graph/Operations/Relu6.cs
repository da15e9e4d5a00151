namespace Dipper.Compiler.Graph.Operations;

/// <summary>
/// ReLU6 activation min(max(x, 0), 6), elementwise. DeepNano-coral's activation: its bounded range
/// quantises without calibration and the Edge TPU applies it for free as a fused activation.
/// </summary>
public sealed record Relu6 : Operation
{
    /// <inheritdoc />
    public override string Kind => "ReLU6";

    /// <inheritdoc />
    public override TensorShape InferShape(IReadOnlyList<TensorShape> inputs, Func<string, WeightTensor> weights) => inputs[0];
}
