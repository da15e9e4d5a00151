namespace Dipper.Compiler.Graph.Operations;

/// <summary>Elementwise product of two values of the same shape; with <see cref="Logistic"/> it forms a lowered swish.</summary>
public sealed record Mul : Operation
{
    /// <inheritdoc />
    public override string Kind => "Mul";

    /// <inheritdoc />
    public override int InputCount => 2;

    /// <inheritdoc />
    public override TensorShape InferShape(IReadOnlyList<TensorShape> inputs, Func<string, WeightTensor> weights) =>
        new Add().InferShape(inputs, weights);
}
