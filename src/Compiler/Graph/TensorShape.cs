namespace Dipper.Compiler.Graph;

/// <summary>The dimensions of a value in the graph, outermost first (e.g. [batch, channels, time]).</summary>
public sealed class TensorShape
{
    private readonly Dim[] _dims;

    /// <summary>Creates a shape from its dimensions.</summary>
    public TensorShape(params IEnumerable<Dim> dims)
    {
        _dims = dims.ToArray();
    }

    /// <summary>Number of dimensions.</summary>
    public int Rank => _dims.Length;

    /// <summary>The dimensions, outermost first.</summary>
    public IReadOnlyList<Dim> Dims => _dims;

    /// <summary>Dimension i; negative i counts from the end, as in PyTorch and ONNX.</summary>
    public Dim this[int axis] => _dims[axis < 0 ? axis + _dims.Length : axis];

    /// <summary>A copy with dimension <paramref name="axis"/> replaced.</summary>
    public TensorShape With(int axis, Dim dim)
    {
        var dims = (Dim[])_dims.Clone();
        dims[axis < 0 ? axis + dims.Length : axis] = dim;
        return new TensorShape(dims);
    }

    /// <inheritdoc />
    public override string ToString() => $"[{string.Join(", ", _dims)}]";
}
