namespace Dipper.Compiler.Import;

/// <summary>Element types a checkpoint tensor may hold; trained weights are float32, counters int64.</summary>
public enum CheckpointDType
{
    /// <summary>32-bit IEEE float (<c>torch.float32</c>, stored as <c>torch.FloatStorage</c>).</summary>
    Float32,

    /// <summary>64-bit signed integer (<c>torch.int64</c>, e.g. BatchNorm's <c>num_batches_tracked</c>).</summary>
    Int64,
}

/// <summary>
/// One tensor of a PyTorch state_dict, copied out of its storage into a dense row-major array
/// (storage offset and strides already applied), so later stages never see PyTorch's view layout.
/// </summary>
public sealed class CheckpointTensor
{
    private readonly float[]? _floats;
    private readonly long[]? _longs;

    private CheckpointTensor(int[] shape, CheckpointDType dtype, float[]? floats, long[]? longs)
    {
        Shape = shape;
        DType = dtype;
        _floats = floats;
        _longs = longs;
    }

    /// <summary>Size of each dimension; empty for a scalar.</summary>
    public IReadOnlyList<int> Shape { get; }

    /// <summary>Element type.</summary>
    public CheckpointDType DType { get; }

    /// <summary>Number of elements (1 for a scalar).</summary>
    public int ElementCount => DType == CheckpointDType.Float32 ? _floats!.Length : _longs!.Length;

    /// <summary>A float32 tensor over row-major data; the array is owned by the tensor.</summary>
    public static CheckpointTensor FromFloats(int[] shape, float[] data) => new(shape, CheckpointDType.Float32, data, null);

    /// <summary>An int64 tensor over row-major data; the array is owned by the tensor.</summary>
    public static CheckpointTensor FromLongs(int[] shape, long[] data) => new(shape, CheckpointDType.Int64, null, data);

    /// <summary>The float32 elements in row-major order.</summary>
    /// <exception cref="InvalidOperationException">The tensor is not float32.</exception>
    public ReadOnlySpan<float> Floats =>
        _floats ?? throw new InvalidOperationException($"tensor is {DType}, not float32");

    /// <summary>The int64 elements in row-major order.</summary>
    /// <exception cref="InvalidOperationException">The tensor is not int64.</exception>
    public ReadOnlySpan<long> Longs =>
        _longs ?? throw new InvalidOperationException($"tensor is {DType}, not int64");

    /// <summary>Element i converted to double, whatever the type; for statistics and checks.</summary>
    public double this[int index] => _floats is not null ? _floats[index] : _longs![index];

    /// <summary>Shape in PyTorch's notation, e.g. "(80, 1, 9)", for messages.</summary>
    public string ShapeText => Shape.Count == 1 ? $"({Shape[0]},)" : $"({string.Join(", ", Shape)})";
}
