namespace Dipper.Compiler.Graph;

/// <summary>
/// A float32 weight held by the graph (convolution kernels, biases, normalisation statistics), dense
/// and row-major. Passes replace weights rather than edit them, so a graph can be compared before
/// and after a pass.
/// </summary>
public sealed class WeightTensor
{
    private readonly float[] _values;

    /// <summary>Wraps row-major <paramref name="values"/> of the given shape; the array is owned by the tensor.</summary>
    /// <exception cref="ArgumentException">The number of values does not match the shape.</exception>
    public WeightTensor(IReadOnlyList<int> shape, float[] values)
    {
        long count = 1;
        foreach (var d in shape) count *= d;
        if (count != values.Length)
            throw new ArgumentException($"shape ({string.Join(", ", shape)}) needs {count} values, got {values.Length}", nameof(values));
        Shape = shape.ToArray();
        _values = values;
    }

    /// <summary>Size of each dimension.</summary>
    public IReadOnlyList<int> Shape { get; }

    /// <summary>The values in row-major order.</summary>
    public ReadOnlySpan<float> Values => _values;

    /// <summary>Number of values.</summary>
    public int Count => _values.Length;

    /// <summary>True when the weight has exactly the given shape.</summary>
    public bool HasShape(params ReadOnlySpan<int> shape) => shape.SequenceEqual(Shape.ToArray());

    /// <summary>Shape as text, e.g. "(80, 1, 11)", for messages.</summary>
    public string ShapeText => $"({string.Join(", ", Shape)})";
}
