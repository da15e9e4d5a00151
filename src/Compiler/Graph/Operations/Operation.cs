namespace Dipper.Compiler.Graph.Operations;

/// <summary>
/// What a graph node computes: an operation kind with typed attributes and the names of the weights
/// it reads. Operations check their inputs and weights and infer their output shape, so a graph
/// that is built is consistent; exporters translate each kind to their own format.
/// </summary>
public abstract record Operation
{
    /// <summary>Short name of the operation for messages, e.g. "Conv1d".</summary>
    public abstract string Kind { get; }

    /// <summary>How many values the operation reads.</summary>
    public virtual int InputCount => 1;

    /// <summary>Every weight the operation reads, by name.</summary>
    public virtual IEnumerable<string> WeightNames => [];

    /// <summary>
    /// The weights that training adjusts (as PyTorch counts parameters); differs from
    /// <see cref="WeightNames"/> for normalisation layers, whose running statistics are not trained.
    /// </summary>
    public virtual IEnumerable<string> ParameterNames => WeightNames;

    /// <summary>Checks inputs and weights and returns the output shape.</summary>
    /// <exception cref="GraphException">An input or weight does not fit the operation.</exception>
    public abstract TensorShape InferShape(IReadOnlyList<TensorShape> inputs, Func<string, WeightTensor> weights);

    /// <summary>Fails with <paramref name="problem"/> unless <paramref name="ok"/>.</summary>
    protected static void Require(bool ok, string problem)
    {
        if (!ok) throw new GraphException(problem);
    }

    /// <summary>Looks a weight up and checks its shape.</summary>
    protected static WeightTensor CheckWeight(Func<string, WeightTensor> weights, string name, params int[] shape)
    {
        var weight = weights(name);
        Require(weight.HasShape(shape), $"weight '{name}' has shape {weight.ShapeText}, expected ({string.Join(", ", shape)})");
        return weight;
    }

    /// <summary>Checks that a dimension is fixed and equal to <paramref name="expected"/>.</summary>
    protected static void RequireSize(Dim dim, int expected, string what) =>
        Require(dim.Size == expected, $"{what} is {dim}, expected {expected}");
}
