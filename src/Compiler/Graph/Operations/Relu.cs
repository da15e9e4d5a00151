namespace Dipper.Compiler.Graph.Operations;

/// <summary>ReLU activation max(x, 0), elementwise; cheaper than swish on integer accelerators.</summary>
public sealed record Relu : Operation
{
    /// <inheritdoc />
    public override string Kind => "ReLU";

    /// <inheritdoc />
    public override TensorShape InferShape(IReadOnlyList<TensorShape> inputs, Func<string, WeightTensor> weights) => inputs[0];
}
