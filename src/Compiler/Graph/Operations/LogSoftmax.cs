namespace Dipper.Compiler.Graph.Operations;

/// <summary>Log-softmax along one axis; turns class scores into the log-probabilities a CTC decoder reads.</summary>
public sealed record LogSoftmax : Operation
{
    /// <summary>The class axis; negative counts from the end.</summary>
    public int Axis { get; init; } = -1;

    /// <inheritdoc />
    public override string Kind => "LogSoftmax";

    /// <inheritdoc />
    public override TensorShape InferShape(IReadOnlyList<TensorShape> inputs, Func<string, WeightTensor> weights)
    {
        var input = inputs[0];
        Require(Axis >= -input.Rank && Axis < input.Rank, $"axis {Axis} is outside {input}");
        return input;
    }
}
