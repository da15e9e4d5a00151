using System.Runtime.InteropServices;

namespace Dipper.Basecaller.Inference;

/// <summary>
/// The few entries of ONNX Runtime's C API (<c>OrtApi</c>, onnxruntime_c_api.h) that its C# package does not expose and
/// a custom operator needs: a custom-operator domain, and a kernel's inputs and outputs. The table is ONNX Runtime's
/// own: <c>OrtGetApiBase()-&gt;GetApi(version)</c> returns a struct of function pointers that only ever grows at its
/// end, so the positions below (counted in the 1.31 header) hold for every runtime that serves <see cref="ApiVersion"/>.
/// A struct: kernels wrap the table ONNX Runtime hands them on every call, with nothing to allocate.
/// </summary>
internal readonly unsafe struct OnnxRuntimeNative
{
    /// <summary>The C API version asked for: 16 has everything used here (custom operators with V2 kernels).</summary>
    public const uint ApiVersion = 16;

    /// <summary><c>ORT_FAIL</c>, the code a kernel's error status carries.</summary>
    public const int Fail = 1;

    /// <summary><c>ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT</c>.</summary>
    public const int Float = 1;

    /// <summary><c>ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8</c>.</summary>
    public const int UInt8 = 2;

    /// <summary><c>ONNX_TENSOR_ELEMENT_DATA_TYPE_INT8</c>.</summary>
    public const int Int8 = 3;

    /// <summary><c>ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32</c>.</summary>
    public const int Int32 = 6;

    private readonly nint* _api;

    private OnnxRuntimeNative(nint* api) => _api = api;

    /// <summary>The API table of the ONNX Runtime library this process loads (the one its C# package uses).</summary>
    /// <exception cref="InvalidOperationException">The library does not serve <see cref="ApiVersion"/>.</exception>
    public static OnnxRuntimeNative Load()
    {
        var apiBase = (nint*)OrtGetApiBase();
        var getApi = (delegate* unmanaged<uint, nint*>)apiBase[0];
        var api = getApi(ApiVersion);
        if (api is null) throw new InvalidOperationException($"{OnnxRuntimeLibrary.FileName} does not serve C API version {ApiVersion}");
        return new OnnxRuntimeNative(api);
    }

    /// <summary>The table itself, handed to nothing but kept for kernels called back with it.</summary>
    public nint Table => (nint)_api;

    /// <summary>Wraps a table ONNX Runtime handed to a kernel callback.</summary>
    public static OnnxRuntimeNative FromTable(nint table) => new((nint*)table);

    [DllImport("onnxruntime", EntryPoint = "OrtGetApiBase")]
    private static extern nint OrtGetApiBase();

    /// <summary>OrtApi::CreateStatus (0): an error status for ONNX Runtime to report.</summary>
    public nint CreateStatus(int code, string message)
    {
        var text = Marshal.StringToCoTaskMemUTF8(message);
        try { return ((delegate* unmanaged<int, nint, nint>)_api[0])(code, text); }
        finally { Marshal.FreeCoTaskMem(text); }
    }

    /// <summary>OrtApi::GetErrorMessage (2).</summary>
    public string ErrorMessage(nint status) => Marshal.PtrToStringUTF8(((delegate* unmanaged<nint, nint>)_api[2])(status)) ?? "(no message)";

    /// <summary>OrtApi::CreateCustomOpDomain (26).</summary>
    public nint CreateCustomOpDomain(nint domainName, out nint domain)
    {
        nint d;
        var status = ((delegate* unmanaged<nint, nint*, nint>)_api[26])(domainName, &d);
        domain = d;
        return status;
    }

    /// <summary>OrtApi::CustomOpDomain_Add (27).</summary>
    public nint CustomOpDomainAdd(nint domain, nint op) => ((delegate* unmanaged<nint, nint, nint>)_api[27])(domain, op);

    /// <summary>OrtApi::AddCustomOpDomain (28).</summary>
    public nint AddCustomOpDomain(nint sessionOptions, nint domain) => ((delegate* unmanaged<nint, nint, nint>)_api[28])(sessionOptions, domain);

    /// <summary>OrtApi::GetTensorMutableData (51).</summary>
    public nint GetTensorMutableData(nint value, out nint data)
    {
        nint d;
        var status = ((delegate* unmanaged<nint, nint*, nint>)_api[51])(value, &d);
        data = d;
        return status;
    }

    /// <summary>OrtApi::GetDimensionsCount (61).</summary>
    public nint GetDimensionsCount(nint info, out nuint count)
    {
        nuint c;
        var status = ((delegate* unmanaged<nint, nuint*, nint>)_api[61])(info, &c);
        count = c;
        return status;
    }

    /// <summary>OrtApi::GetDimensions (62).</summary>
    public nint GetDimensions(nint info, long* dims, nuint count) => ((delegate* unmanaged<nint, long*, nuint, nint>)_api[62])(info, dims, count);

    /// <summary>OrtApi::GetTensorShapeElementCount (64).</summary>
    public nint GetTensorShapeElementCount(nint info, out nuint count)
    {
        nuint c;
        var status = ((delegate* unmanaged<nint, nuint*, nint>)_api[64])(info, &c);
        count = c;
        return status;
    }

    /// <summary>OrtApi::GetTensorTypeAndShape (65).</summary>
    public nint GetTensorTypeAndShape(nint value, out nint info)
    {
        nint i;
        var status = ((delegate* unmanaged<nint, nint*, nint>)_api[65])(value, &i);
        info = i;
        return status;
    }

    /// <summary>OrtApi::KernelContext_GetInput (90).</summary>
    public nint KernelContextGetInput(nint context, nuint index, out nint value)
    {
        nint v;
        var status = ((delegate* unmanaged<nint, nuint, nint*, nint>)_api[90])(context, index, &v);
        value = v;
        return status;
    }

    /// <summary>OrtApi::KernelContext_GetOutput (91).</summary>
    public nint KernelContextGetOutput(nint context, nuint index, long* dims, nuint count, out nint value)
    {
        nint v;
        var status = ((delegate* unmanaged<nint, nuint, long*, nuint, nint*, nint>)_api[91])(context, index, dims, count, &v);
        value = v;
        return status;
    }

    /// <summary>OrtApi::ReleaseStatus (93).</summary>
    public void ReleaseStatus(nint status) => ((delegate* unmanaged<nint, void>)_api[93])(status);

    /// <summary>OrtApi::ReleaseTensorTypeAndShapeInfo (99).</summary>
    public void ReleaseTensorTypeAndShapeInfo(nint info) => ((delegate* unmanaged<nint, void>)_api[99])(info);

    /// <summary>OrtApi::ReleaseCustomOpDomain (101).</summary>
    public void ReleaseCustomOpDomain(nint domain) => ((delegate* unmanaged<nint, void>)_api[101])(domain);
}
