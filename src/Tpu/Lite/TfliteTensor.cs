using System.Runtime.InteropServices;
using Dipper.Tpu.Native;

namespace Dipper.Tpu.Lite;

/// <summary>
/// An input or output tensor of an interpreter. It re-reads the native tensor on each access (applying a
/// delegate or resizing can move it) and keeps the interpreter alive during each call.
/// </summary>
public sealed class TfliteTensor
{
    private readonly TfliteInterpreter interpreter;
    private readonly bool isInput;
    private readonly int index;

    internal TfliteTensor(TfliteInterpreter interpreter, bool isInput, int index)
    {
        this.interpreter = interpreter;
        this.isInput = isInput;
        this.index = index;
    }

    /// <summary>The tensor's name in the model.</summary>
    public string Name
    {
        get
        {
            using var lease = new HandleLease(interpreter.Handle);
            return Marshal.PtrToStringUTF8(TfLiteNative.TfLiteTensorName(Pointer())) ?? "";
        }
    }

    /// <summary>The element type.</summary>
    public TfLiteType Type
    {
        get
        {
            using var lease = new HandleLease(interpreter.Handle);
            return TfLiteNative.TfLiteTensorType(Pointer());
        }
    }

    /// <summary>The dimensions, outermost first.</summary>
    public int[] Shape
    {
        get
        {
            using var lease = new HandleLease(interpreter.Handle);
            var tensor = Pointer();
            var shape = new int[TfLiteNative.TfLiteTensorNumDims(tensor)];
            for (var i = 0; i < shape.Length; i++) shape[i] = TfLiteNative.TfLiteTensorDim(tensor, i);
            return shape;
        }
    }

    /// <summary>Bytes of tensor data (0 before tensors are allocated).</summary>
    public long ByteSize
    {
        get
        {
            using var lease = new HandleLease(interpreter.Handle);
            return checked((long)TfLiteNative.TfLiteTensorByteSize(Pointer()));
        }
    }

    /// <summary>Per-tensor quantisation: real = Scale × (q − ZeroPoint); Scale 0 for float tensors.</summary>
    public TfLiteQuantizationParams Quantization
    {
        get
        {
            using var lease = new HandleLease(interpreter.Handle);
            return TfLiteNative.TfLiteTensorQuantizationParams(Pointer());
        }
    }

    /// <summary>Copies <paramref name="data"/> into the tensor; its element type and length must match the tensor exactly.</summary>
    public unsafe void CopyFrom<T>(ReadOnlySpan<T> data) where T : unmanaged
    {
        using var lease = new HandleLease(interpreter.Handle);
        var tensor = Pointer();
        var bytes = CheckBuffer<T>(tensor, data.Length);
        fixed (T* p = data)
            interpreter.ThrowIfFailed(TfLiteNative.TfLiteTensorCopyFromBuffer(tensor, p, bytes), "TfLiteTensorCopyFromBuffer");
    }

    /// <summary>Copies the tensor into <paramref name="destination"/>; its element type and length must match the tensor exactly.</summary>
    public unsafe void CopyTo<T>(Span<T> destination) where T : unmanaged
    {
        using var lease = new HandleLease(interpreter.Handle);
        var tensor = Pointer();
        var bytes = CheckBuffer<T>(tensor, destination.Length);
        fixed (T* p = destination)
            interpreter.ThrowIfFailed(TfLiteNative.TfLiteTensorCopyToBuffer(tensor, p, bytes), "TfLiteTensorCopyToBuffer");
    }

    /// <summary>Name, type and shape, for messages.</summary>
    public override string ToString() => $"{(isInput ? "input" : "output")} {index} '{Name}' {Type}[{string.Join(",", Shape)}]";

    private nint Pointer()
    {
        var tensor = interpreter.TensorPointer(isInput, index);
        if (tensor == 0) throw new InvalidOperationException($"{interpreter.Source}: tensor {index} is missing");
        return tensor;
    }

    private static unsafe nuint CheckBuffer<T>(nint tensor, int length) where T : unmanaged
    {
        var type = TfLiteNative.TfLiteTensorType(tensor);
        if (!Matches<T>(type))
            throw new ArgumentException($"a {typeof(T).Name} buffer cannot hold a {type} tensor");
        var bytes = TfLiteNative.TfLiteTensorByteSize(tensor);
        var given = (nuint)length * (nuint)sizeof(T);
        if (given != bytes)
            throw new ArgumentException($"the tensor holds {bytes} bytes but the buffer has {given}");
        return bytes;
    }

    private static bool Matches<T>(TfLiteType type) => type switch
    {
        TfLiteType.Float32 => typeof(T) == typeof(float),
        TfLiteType.Int8 => typeof(T) == typeof(sbyte),
        TfLiteType.UInt8 => typeof(T) == typeof(byte),
        TfLiteType.Int16 => typeof(T) == typeof(short),
        TfLiteType.Int32 => typeof(T) == typeof(int),
        TfLiteType.Int64 => typeof(T) == typeof(long),
        TfLiteType.Float16 => typeof(T) == typeof(Half),
        TfLiteType.Float64 => typeof(T) == typeof(double),
        TfLiteType.Bool => typeof(T) == typeof(bool) || typeof(T) == typeof(byte),
        _ => false,
    };
}
