namespace Dipper.Compiler.Graph.Operations;

/// <summary>
/// Reorders axes: output axis i is input axis <see cref="Permutation"/>[i]. Convolutions work on
/// [batch, channels, time]; decoders want [batch, time, classes].
/// </summary>
public sealed record Transpose : Operation
{
    /// <summary>For each output axis, the input axis it takes.</summary>
    public required IReadOnlyList<int> Permutation { get; init; }

    /// <inheritdoc />
    public override string Kind => "Transpose";

    /// <inheritdoc />
    public override TensorShape InferShape(IReadOnlyList<TensorShape> inputs, Func<string, WeightTensor> weights)
    {
        var input = inputs[0];
        Require(Permutation.Count == input.Rank && Permutation.Order().SequenceEqual(Enumerable.Range(0, input.Rank)),
            $"({string.Join(", ", Permutation)}) is not a permutation of the axes of {input}");
        return new TensorShape(Permutation.Select(axis => input[axis]));
    }
}
