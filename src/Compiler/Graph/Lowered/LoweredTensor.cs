namespace Dipper.Compiler.Graph.Lowered;

/// <summary>
/// A tensor of a lowered graph: an activation (no data) or a constant (weights, biases, paddings),
/// with its fixed NHWC shape, element type and, for quantised tensors, its quantisation. Names are
/// the source graph's value and weight names, so calibration ranges and reports stay traceable.
/// </summary>
public sealed record LoweredTensor
{
    /// <summary>Tensor name (the source value or weight name).</summary>
    public required string Name { get; init; }

    /// <summary>Fixed dimensions, outermost first.</summary>
    public required int[] Shape { get; init; }

    /// <summary>Element type.</summary>
    public required ElementType Type { get; init; }

    /// <summary>Quantisation of an int8 or int32 tensor; null for float and plain integer tensors.</summary>
    public TensorQuantisation? Quantisation { get; init; }

    /// <summary>Constant values (float[], sbyte[] or int[] matching <see cref="Type"/>), row-major; null for activations.</summary>
    public Array? Data { get; init; }

    /// <summary>True for weights, biases and other constants.</summary>
    public bool IsConstant => Data is not null;

    /// <summary>Number of elements.</summary>
    public long ElementCount => Shape.Aggregate(1L, (a, d) => a * d);

    /// <summary>Bytes one element takes.</summary>
    public int ElementSize => Type switch
    {
        ElementType.Int8 => 1,
        _ => 4,
    };

    /// <summary>Bytes the tensor takes.</summary>
    public long ByteCount => ElementCount * ElementSize;

    /// <summary>Number of dimensions larger than 1 (the Edge TPU allows at most 3).</summary>
    public int NonUnitDimensions => Shape.Count(d => d > 1);

    /// <summary>Shape as text, e.g. [1, 8, 600, 80].</summary>
    public string ShapeText => $"[{string.Join(", ", Shape)}]";
}
