using System.Runtime.InteropServices;

namespace Dipper.Basecaller.Inference;

/// <summary>
/// ONNX Runtime's <c>OrtCustomOp</c> (onnxruntime_c_api.h, 1.31): a uint32 version, then 25 function pointers, of which
/// an operator gives its name, inputs, kernel and compute; the rest (one uint8 output, provider, characteristics, variadic
/// arities) are the same for every Dipper operator and filled in here. Version <see cref="OnnxRuntimeNative.ApiVersion"/>
/// tells ONNX Runtime to create kernels with <c>CreateKernelV2</c> and call <c>KernelComputeV2</c>, which can report an
/// error; the struct's later entries (shape inference, version range, aliases) are left null and not read.
/// </summary>
internal static unsafe class CustomOperatorTable
{
    private const int Callbacks = 25;

    /// <summary>An operator's own callbacks.</summary>
    public struct OperatorCallbacks
    {
        public delegate* unmanaged<nint, nint> Name;
        public delegate* unmanaged<nint, nuint> InputCount;
        public delegate* unmanaged<nint, nuint, int> InputType;
        public delegate* unmanaged<nint, nint, nint, nint*, nint> CreateKernel;
        public delegate* unmanaged<nint, nint, nint> Compute;
        public delegate* unmanaged<nint, void> DestroyKernel;
    }

    /// <summary>Allocates the struct; <see cref="Free"/> releases it once its domain is released.</summary>
    public static nint Allocate(in OperatorCallbacks own)
    {
        var op = (nint*)NativeMemory.AllocZeroed((nuint)(sizeof(nint) * (Callbacks + 1)));
        *(uint*)op = OnnxRuntimeNative.ApiVersion;
        var f = op + 1;
        f[0] = (nint)(delegate* unmanaged<nint, nint, nint, nint>)&CreateKernelV1;
        f[1] = (nint)own.Name;
        f[2] = (nint)(delegate* unmanaged<nint, nint>)&ExecutionProvider;
        f[3] = (nint)own.InputType;
        f[4] = (nint)own.InputCount;
        f[5] = (nint)(delegate* unmanaged<nint, nuint, int>)&UInt8Output;
        f[6] = (nint)(delegate* unmanaged<nint, nuint>)&OneOutput;
        f[7] = (nint)(delegate* unmanaged<nint, nint, void>)&ComputeV1;
        f[8] = (nint)own.DestroyKernel;
        f[9] = (nint)(delegate* unmanaged<nint, nuint, int>)&Required;    // GetInputCharacteristic
        f[10] = (nint)(delegate* unmanaged<nint, nuint, int>)&Required;   // GetOutputCharacteristic
        f[11] = (nint)(delegate* unmanaged<nint, nuint, int>)&Required;   // GetInputMemoryType: OrtMemTypeDefault (0)
        f[12] = (nint)(delegate* unmanaged<nint, int>)&Zero;              // variadic arities and homogeneity: none
        f[13] = (nint)(delegate* unmanaged<nint, int>)&Zero;
        f[14] = (nint)(delegate* unmanaged<nint, int>)&Zero;
        f[15] = (nint)(delegate* unmanaged<nint, int>)&Zero;
        f[16] = (nint)own.CreateKernel;
        f[17] = (nint)own.Compute;
        return (nint)op;
    }

    /// <summary>Releases a struct made by <see cref="Allocate"/>.</summary>
    public static void Free(nint op) => NativeMemory.Free((void*)op);

    /// <summary>
    /// A tensor's shape into <paramref name="dims"/>; its rank in <paramref name="rank"/>. Returns an error status, or 0.
    /// </summary>
    public static nint Shape(OnnxRuntimeNative ort, nint value, Span<long> dims, out int rank)
    {
        rank = 0;
        var status = ort.GetTensorTypeAndShape(value, out var info);
        if (status != 0) return status;
        try
        {
            if ((status = ort.GetDimensionsCount(info, out var count)) != 0) return status;
            if ((int)count > dims.Length) return ort.CreateStatus(OnnxRuntimeNative.Fail, $"a tensor of rank {count} where at most {dims.Length} is expected");
            rank = (int)count;
            fixed (long* d = dims) return ort.GetDimensions(info, d, count);
        }
        finally
        {
            ort.ReleaseTensorTypeAndShapeInfo(info);
        }
    }

    // Only a runtime that ignores the struct's version would call the V1 entries; it could not be told of an error,
    // so its kernel is null and its compute reports nothing and computes nothing: the session then fails on its output.
    [UnmanagedCallersOnly]
    private static nint CreateKernelV1(nint op, nint api, nint info) => 0;

    [UnmanagedCallersOnly]
    private static void ComputeV1(nint kernel, nint context) { }

    [UnmanagedCallersOnly]
    private static nint ExecutionProvider(nint op) => 0; // the CPU execution provider

    [UnmanagedCallersOnly]
    private static nuint OneOutput(nint op) => 1;

    [UnmanagedCallersOnly]
    private static int UInt8Output(nint op, nuint index) => OnnxRuntimeNative.UInt8;

    [UnmanagedCallersOnly]
    private static int Required(nint op, nuint index) => 0;

    [UnmanagedCallersOnly]
    private static int Zero(nint op) => 0;
}
