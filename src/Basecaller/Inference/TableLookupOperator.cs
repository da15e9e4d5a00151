using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;

namespace Dipper.Basecaller.Inference;

/// <summary>
/// Dipper's one ONNX operator, <c>ai.dipper.QLinearTable(x: uint8 tensor, table: uint8[256]) → uint8 tensor</c>: every
/// value looked up in a table (<see cref="ByteTable"/>). <c>dipper compile</c> writes an int8 model's swish as one: σ
/// and the product with their two roundings are a function of the quantised input alone, so 256 entries hold all of it,
/// and the op replaces ONNX Runtime's QLinearSigmoid and QLinearMul, a third of the int8 model's time
/// (docs/cpu-speed.md). ONNX Runtime has no table operator of its own, so it learns this one through its C API's custom
/// operators: the domain is added to a session's options before the session is made, and must outlive the session.
/// </summary>
public sealed unsafe class TableLookupOperator : IDisposable
{
    /// <summary>The operator's ONNX domain; a model that uses it imports this domain at <see cref="DomainVersion"/>.</summary>
    public const string Domain = "ai.dipper";

    /// <summary>The operator's name in the domain.</summary>
    public const string Name = "QLinearTable";

    /// <summary>The domain's opset version.</summary>
    public const int DomainVersion = 1;

    // OrtCustomOp: a uint32 version, then 25 function pointers (onnxruntime_c_api.h, ORT 1.31).
    private const int Callbacks = 25;
    private static ReadOnlySpan<byte> NativeName => "QLinearTable\0"u8;
    private static ReadOnlySpan<byte> NativeDomain => "ai.dipper\0"u8;

    private readonly OnnxRuntimeNative _ort;
    private readonly DomainHandle _domain;

    /// <summary>Builds the operator and its domain in ONNX Runtime.</summary>
    /// <exception cref="InvalidOperationException">ONNX Runtime refused the domain or the operator.</exception>
    public TableLookupOperator()
    {
        _ort = OnnxRuntimeNative.Load();
        var op = (nint*)NativeMemory.AllocZeroed((nuint)(sizeof(nint) * (Callbacks + 1)));
        *(uint*)op = OnnxRuntimeNative.ApiVersion;
        var f = op + 1;
        f[0] = (nint)(delegate* unmanaged<nint, nint, nint, nint>)&CreateKernel;
        f[1] = (nint)(delegate* unmanaged<nint, nint>)&GetName;
        f[2] = (nint)(delegate* unmanaged<nint, nint>)&GetExecutionProvider;
        f[3] = (nint)(delegate* unmanaged<nint, nuint, int>)&GetTensorType;
        f[4] = (nint)(delegate* unmanaged<nint, nuint>)&GetInputCount;
        f[5] = (nint)(delegate* unmanaged<nint, nuint, int>)&GetTensorType;
        f[6] = (nint)(delegate* unmanaged<nint, nuint>)&GetOutputCount;
        f[7] = (nint)(delegate* unmanaged<nint, nint, void>)&ComputeV1;
        f[8] = (nint)(delegate* unmanaged<nint, void>)&DestroyKernel;
        f[9] = (nint)(delegate* unmanaged<nint, nuint, int>)&Required;   // GetInputCharacteristic
        f[10] = (nint)(delegate* unmanaged<nint, nuint, int>)&Required;  // GetOutputCharacteristic
        f[11] = (nint)(delegate* unmanaged<nint, nuint, int>)&Required;  // GetInputMemoryType: OrtMemTypeDefault (0)
        f[12] = (nint)(delegate* unmanaged<nint, int>)&Zero;             // variadic arities and homogeneity: none
        f[13] = (nint)(delegate* unmanaged<nint, int>)&Zero;
        f[14] = (nint)(delegate* unmanaged<nint, int>)&Zero;
        f[15] = (nint)(delegate* unmanaged<nint, int>)&Zero;
        f[16] = (nint)(delegate* unmanaged<nint, nint, nint, nint*, nint>)&CreateKernelV2;
        f[17] = (nint)(delegate* unmanaged<nint, nint, nint>)&Compute;
        // 18 InferOutputShapeFn, 19–20 start and end version, 21–24 in-place and alias maps: left null; the struct's
        // version (16) tells ONNX Runtime not to read them.
        _domain = new DomainHandle(_ort, (nint)op);
        var status = _ort.CreateCustomOpDomain((nint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(NativeDomain)), out var domain);
        Check(status, "create the ai.dipper operator domain");
        _domain.SetDomain(domain);
        Check(_ort.CustomOpDomainAdd(domain, (nint)op), "add QLinearTable to its domain");
    }

    /// <summary>Lets sessions made from <paramref name="options"/> run models that use the operator.</summary>
    /// <exception cref="InvalidOperationException">ONNX Runtime refused the domain.</exception>
    public void AddTo(SessionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ObjectDisposedException.ThrowIf(_domain.IsClosed, this);
        Check(_ort.AddCustomOpDomain(options.DangerousGetHandle(), _domain.Domain), "add the ai.dipper operator domain to the session options");
    }

    /// <summary>Releases the domain; only after every session made with it is disposed.</summary>
    public void Dispose() => _domain.Dispose();

    private void Check(nint status, string what)
    {
        if (status == 0) return;
        var message = _ort.ErrorMessage(status);
        _ort.ReleaseStatus(status);
        throw new InvalidOperationException($"ONNX Runtime could not {what}: {message}");
    }

    [UnmanagedCallersOnly]
    private static nint CreateKernel(nint op, nint api, nint info) => api;

    [UnmanagedCallersOnly]
    private static nint CreateKernelV2(nint op, nint api, nint info, nint* kernel)
    {
        // The kernel keeps nothing but the API table it computes with.
        *kernel = api;
        return 0;
    }

    [UnmanagedCallersOnly]
    private static nint GetName(nint op) => (nint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(NativeName));

    [UnmanagedCallersOnly]
    private static nint GetExecutionProvider(nint op) => 0; // the CPU execution provider

    [UnmanagedCallersOnly]
    private static int GetTensorType(nint op, nuint index) => OnnxRuntimeNative.UInt8;

    [UnmanagedCallersOnly]
    private static nuint GetInputCount(nint op) => 2;

    [UnmanagedCallersOnly]
    private static nuint GetOutputCount(nint op) => 1;

    [UnmanagedCallersOnly]
    private static int Required(nint op, nuint index) => 0;

    [UnmanagedCallersOnly]
    private static int Zero(nint op) => 0;

    [UnmanagedCallersOnly]
    private static void DestroyKernel(nint kernel) { }

    [UnmanagedCallersOnly]
    private static void ComputeV1(nint kernel, nint context)
    {
        // Only a runtime that ignores the struct's version calls this; it cannot be told of an error.
        var status = Run(OnnxRuntimeNative.FromTable(kernel), context);
        if (status != 0) OnnxRuntimeNative.FromTable(kernel).ReleaseStatus(status);
    }

    [UnmanagedCallersOnly]
    private static nint Compute(nint kernel, nint context) => Run(OnnxRuntimeNative.FromTable(kernel), context);

    /// <summary>One call: y = table[x]. Returns an error status instead of throwing into native code.</summary>
    private static nint Run(OnnxRuntimeNative ort, nint context)
    {
        nint info = 0;
        try
        {
            nint status;
            if ((status = ort.KernelContextGetInput(context, 0, out var x)) != 0) return status;
            if ((status = ort.KernelContextGetInput(context, 1, out var tableValue)) != 0) return status;
            if ((status = ort.GetTensorTypeAndShape(tableValue, out info)) != 0) return status;
            if ((status = ort.GetTensorShapeElementCount(info, out var tableCount)) != 0) return status;
            ort.ReleaseTensorTypeAndShapeInfo(info);
            info = 0;
            if (tableCount != ByteTable.Entries)
                return ort.CreateStatus(OnnxRuntimeNative.Fail, $"{Domain}.{Name}: the table has {tableCount} entries, not {ByteTable.Entries}");
            if ((status = ort.GetTensorTypeAndShape(x, out info)) != 0) return status;
            if ((status = ort.GetDimensionsCount(info, out var rank)) != 0) return status;
            var dims = stackalloc long[(int)rank];
            if ((status = ort.GetDimensions(info, dims, rank)) != 0) return status;
            if ((status = ort.GetTensorShapeElementCount(info, out var count)) != 0) return status;
            ort.ReleaseTensorTypeAndShapeInfo(info);
            info = 0;
            if ((status = ort.KernelContextGetOutput(context, 0, dims, rank, out var y)) != 0) return status;
            if ((status = ort.GetTensorMutableData(x, out var xData)) != 0) return status;
            if ((status = ort.GetTensorMutableData(tableValue, out var tableData)) != 0) return status;
            if ((status = ort.GetTensorMutableData(y, out var yData)) != 0) return status;
            ByteTable.Apply(new ReadOnlySpan<byte>((void*)xData, checked((int)count)), new ReadOnlySpan<byte>((void*)tableData, ByteTable.Entries),
                new Span<byte>((void*)yData, checked((int)count)));
            return 0;
        }
        catch (Exception e)
        {
            return ort.CreateStatus(OnnxRuntimeNative.Fail, $"{Domain}.{Name}: {e.Message}");
        }
        finally
        {
            if (info != 0) ort.ReleaseTensorTypeAndShapeInfo(info);
        }
    }

    /// <summary>The domain and the operator struct it points at, released together.</summary>
    private sealed class DomainHandle(OnnxRuntimeNative ort, nint op) : SafeHandle(op, ownsHandle: true)
    {
        public nint Domain { get; private set; }

        public override bool IsInvalid => handle == 0;

        public void SetDomain(nint domain) => Domain = domain;

        protected override bool ReleaseHandle()
        {
            if (Domain != 0) ort.ReleaseCustomOpDomain(Domain);
            NativeMemory.Free((void*)handle);
            return true;
        }
    }
}
