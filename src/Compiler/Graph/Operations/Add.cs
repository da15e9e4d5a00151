namespace Dipper.Compiler.Graph.Operations;

/// <summary>Elementwise sum of two values of the same shape; joins a residual branch to the main path.</summary>
public sealed record Add : Operation
{
    /// <inheritdoc />
    public override string Kind => "Add";

    /// <inheritdoc />
    public override int InputCount => 2;

    /// <inheritdoc />
    public override TensorShape InferShape(IReadOnlyList<TensorShape> inputs, Func<string, WeightTensor> weights)
    {
        var (a, b) = (inputs[0], inputs[1]);
        Require(a.Rank == b.Rank, $"cannot add {a} and {b}");
        var dims = new Dim[a.Rank];
        for (var i = 0; i < dims.Length; i++)
        {
            var (x, y) = (a[i], b[i]);
            if (x.IsFixed && y.IsFixed) Require(x.Size == y.Size, $"cannot add {a} and {b}");
            // Keep the most specific description: a fixed size, else a shared name, else unknown.
            dims[i] = x.IsFixed ? x : y.IsFixed ? y : x.Symbol is not null && x.Symbol == y.Symbol ? x : Dim.Unknown;
        }
        return new TensorShape(dims);
    }
}
