using System.Runtime.InteropServices;

namespace Dipper.Basecaller.Inference;

/// <summary>
/// ONNX Runtime's <c>OrtCustomOp</c> (onnxruntime_c_api.h, 1.31): a uint32 version, then 25 function pointers, of which
/// an operator gives none: its name, input types and the maker of its kernels are kept after the struct, where the callbacks
/// here read them (ONNX Runtime hands every callback the struct); a kernel is a managed object behind a GC handle; and the rest (one uint8 output, provider,
/// characteristics, variadic arities) are the same for every Dipper operator. Version
/// <see cref="OnnxRuntimeNative.ApiVersion"/> tells ONNX Runtime to create kernels with <c>CreateKernelV2</c> and call
/// <c>KernelComputeV2</c>, which can report an error; the struct's later entries (shape inference, version range,
/// aliases) are left null and not read.
/// </summary>
internal static unsafe class CustomOperatorTable
{
    private const int Callbacks = 25;

    // Where the operator's name, kernel maker and inputs are kept: past the struct and room for the entries later versions added.
    private const int NameAt = 40;
    private const int MakerAt = NameAt + 1;
    private const int InputCountAt = NameAt + 2;
    private const int InputTypesAt = NameAt + 3;

    /// <summary>One node's kernel: computes the node's output in the context ONNX Runtime gives; returns an error status or 0.</summary>
    public interface IKernel
    {
        /// <summary>One call; never throws into native code.</summary>
        nint Compute(nint context);
    }

    /// <summary>
    /// Allocates the struct of an operator called <paramref name="name"/> (kept as UTF-8 beside it) with inputs of <paramref name="inputTypes"/> (ONNX element types) and one uint8
    /// output, whose kernels <paramref name="makeKernel"/> makes, one per node, from the API table; <see cref="Free"/>
    /// releases it once its domain is released.
    /// </summary>
    public static nint Allocate(string name, ReadOnlySpan<int> inputTypes, Func<OnnxRuntimeNative, IKernel> makeKernel)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var op = (nint*)NativeMemory.AllocZeroed((nuint)(sizeof(nint) * (InputTypesAt + inputTypes.Length)));
        *(uint*)op = OnnxRuntimeNative.ApiVersion;
        var f = op + 1;
        f[0] = (nint)(delegate* unmanaged<nint, nint, nint, nint>)&CreateKernelV1;
        f[1] = (nint)(delegate* unmanaged<nint, nint>)&GetName;
        f[2] = (nint)(delegate* unmanaged<nint, nint>)&ExecutionProvider;
        f[3] = (nint)(delegate* unmanaged<nint, nuint, int>)&GetInputType;
        f[4] = (nint)(delegate* unmanaged<nint, nuint>)&GetInputCount;
        f[5] = (nint)(delegate* unmanaged<nint, nuint, int>)&UInt8Output;
        f[6] = (nint)(delegate* unmanaged<nint, nuint>)&OneOutput;
        f[7] = (nint)(delegate* unmanaged<nint, nint, void>)&ComputeV1;
        f[8] = (nint)(delegate* unmanaged<nint, void>)&DestroyKernel;
        f[9] = (nint)(delegate* unmanaged<nint, nuint, int>)&Required;    // GetInputCharacteristic
        f[10] = (nint)(delegate* unmanaged<nint, nuint, int>)&Required;   // GetOutputCharacteristic
        f[11] = (nint)(delegate* unmanaged<nint, nuint, int>)&Required;   // GetInputMemoryType: OrtMemTypeDefault (0)
        f[12] = (nint)(delegate* unmanaged<nint, int>)&Zero;              // variadic arities and homogeneity: none
        f[13] = (nint)(delegate* unmanaged<nint, int>)&Zero;
        f[14] = (nint)(delegate* unmanaged<nint, int>)&Zero;
        f[15] = (nint)(delegate* unmanaged<nint, int>)&Zero;
        f[16] = (nint)(delegate* unmanaged<nint, nint, nint, nint*, nint>)&CreateKernel;
        f[17] = (nint)(delegate* unmanaged<nint, nint, nint>)&Compute;
        op[NameAt] = Marshal.StringToCoTaskMemUTF8(name);
        op[MakerAt] = GCHandle.ToIntPtr(GCHandle.Alloc(makeKernel));
        op[InputCountAt] = inputTypes.Length;
        for (var i = 0; i < inputTypes.Length; i++) op[InputTypesAt + i] = inputTypes[i];
        return (nint)op;
    }

    /// <summary>Releases a struct made by <see cref="Allocate"/>.</summary>
    public static void Free(nint op)
    {
        GCHandle.FromIntPtr(((nint*)op)[MakerAt]).Free();
        Marshal.FreeCoTaskMem(((nint*)op)[NameAt]);
        NativeMemory.Free((void*)op);
    }

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
    private static nint CreateKernel(nint op, nint api, nint info, nint* kernel)
    {
        try
        {
            var make = (Func<OnnxRuntimeNative, IKernel>)GCHandle.FromIntPtr(((nint*)op)[MakerAt]).Target!;
            *kernel = GCHandle.ToIntPtr(GCHandle.Alloc(make(OnnxRuntimeNative.FromTable(api))));
            return 0;
        }
        catch (Exception e)
        {
            return OnnxRuntimeNative.FromTable(api).CreateStatus(OnnxRuntimeNative.Fail, $"{DipperOperators.Domain}: {e.Message}");
        }
    }

    [UnmanagedCallersOnly]
    private static nint Compute(nint kernel, nint context) => ((IKernel)GCHandle.FromIntPtr(kernel).Target!).Compute(context);

    [UnmanagedCallersOnly]
    private static void DestroyKernel(nint kernel) => GCHandle.FromIntPtr(kernel).Free();

    [UnmanagedCallersOnly]
    private static nint GetName(nint op) => ((nint*)op)[NameAt];

    [UnmanagedCallersOnly]
    private static nuint GetInputCount(nint op) => (nuint)((nint*)op)[InputCountAt];

    [UnmanagedCallersOnly]
    private static int GetInputType(nint op, nuint index) => (int)((nint*)op)[InputTypesAt + (int)index];

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
