namespace Dipper.Compiler.Graph.Execution;

/// <summary>
/// A concrete float32 value flowing through the reference executor: a fixed shape (no run-time
/// dimensions left) and its values, dense and row-major.
/// </summary>
public sealed class FloatTensor
{
    /// <summary>Wraps <paramref name="values"/> (taken over, not copied) as a tensor of the given shape.</summary>
    /// <exception cref="ArgumentException">The number of values does not match the shape.</exception>
    public FloatTensor(int[] shape, float[] values)
    {
        long count = 1;
        foreach (var d in shape) count *= d;
        if (count != values.Length)
            throw new ArgumentException($"shape [{string.Join(", ", shape)}] needs {count} values, got {values.Length}", nameof(values));
        Shape = shape;
        Values = values;
    }

    /// <summary>A zero tensor of the given shape.</summary>
    public static FloatTensor Zeros(params int[] shape)
    {
        long count = 1;
        foreach (var d in shape) count *= d;
        return new FloatTensor(shape, new float[count]);
    }

    /// <summary>Size of each dimension, outermost first.</summary>
    public int[] Shape { get; }

    /// <summary>The values, row-major.</summary>
    public float[] Values { get; }

    /// <summary>Number of dimensions.</summary>
    public int Rank => Shape.Length;

    /// <summary>Dimension <paramref name="axis"/>; negative counts from the end.</summary>
    public int Dim(int axis) => Shape[axis < 0 ? axis + Shape.Length : axis];

    /// <inheritdoc />
    public override string ToString() => $"[{string.Join(", ", Shape)}]";
}
