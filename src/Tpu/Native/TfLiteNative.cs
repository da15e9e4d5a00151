using System.Runtime.InteropServices;

namespace Dipper.Tpu.Native;

/// <summary>
/// The TensorFlow Lite C API (tensorflow/lite/c/c_api.h, TF 2.9 and later). Names are the C names so the
/// header can be read alongside. Creation functions return raw pointers that the handle classes take
/// ownership of at once; everything else takes handles so an object cannot be freed during a call.
/// </summary>
internal static unsafe partial class TfLiteNative
{
    private const string Library = NativeLibraries.TfLite;

    static TfLiteNative() => NativeLibraries.EnsureConfigured();

    /// <summary>Static UTF-8 string, do not free.</summary>
    [LibraryImport(Library)]
    internal static partial nint TfLiteVersion();

    /// <summary>The buffer must outlive the model and every interpreter made from it.</summary>
    [LibraryImport(Library)]
    internal static partial nint TfLiteModelCreate(void* modelData, nuint modelSize);

    /// <summary>NULL when the file cannot be opened or is not a model.</summary>
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint TfLiteModelCreateFromFile(string modelPath);

    [LibraryImport(Library)]
    internal static partial void TfLiteModelDelete(nint model);

    [LibraryImport(Library)]
    internal static partial nint TfLiteInterpreterOptionsCreate();

    [LibraryImport(Library)]
    internal static partial void TfLiteInterpreterOptionsDelete(nint options);

    [LibraryImport(Library)]
    internal static partial void TfLiteInterpreterOptionsSetNumThreads(TfLiteInterpreterOptionsHandle options, int numThreads);

    /// <summary>The caller keeps ownership of the delegate, which must outlive every interpreter using it.</summary>
    [LibraryImport(Library)]
    internal static partial void TfLiteInterpreterOptionsAddDelegate(TfLiteInterpreterOptionsHandle options, nint tfliteDelegate);

    /// <summary>reporter(user_data, format, va_list); the interpreter keeps calling it for its whole life.</summary>
    [LibraryImport(Library)]
    internal static partial void TfLiteInterpreterOptionsSetErrorReporter(TfLiteInterpreterOptionsHandle options,
        delegate* unmanaged[Cdecl]<nint, nint, nint, void> reporter, nint userData);

    /// <summary>NULL on failure (bad model, delegate could not be applied); the error reporter says why.</summary>
    [LibraryImport(Library)]
    internal static partial nint TfLiteInterpreterCreate(TfLiteModelHandle model, TfLiteInterpreterOptionsHandle options);

    [LibraryImport(Library)]
    internal static partial void TfLiteInterpreterDelete(nint interpreter);

    [LibraryImport(Library)]
    internal static partial int TfLiteInterpreterGetInputTensorCount(TfLiteInterpreterHandle interpreter);

    /// <summary>Owned by the interpreter; valid until it is deleted.</summary>
    [LibraryImport(Library)]
    internal static partial nint TfLiteInterpreterGetInputTensor(TfLiteInterpreterHandle interpreter, int inputIndex);

    [LibraryImport(Library)]
    internal static partial TfLiteStatus TfLiteInterpreterResizeInputTensor(TfLiteInterpreterHandle interpreter,
        int inputIndex, int* inputDims, int inputDimsSize);

    [LibraryImport(Library)]
    internal static partial TfLiteStatus TfLiteInterpreterAllocateTensors(TfLiteInterpreterHandle interpreter);

    [LibraryImport(Library)]
    internal static partial TfLiteStatus TfLiteInterpreterInvoke(TfLiteInterpreterHandle interpreter);

    [LibraryImport(Library)]
    internal static partial int TfLiteInterpreterGetOutputTensorCount(TfLiteInterpreterHandle interpreter);

    /// <summary>Owned by the interpreter; valid until it is deleted.</summary>
    [LibraryImport(Library)]
    internal static partial nint TfLiteInterpreterGetOutputTensor(TfLiteInterpreterHandle interpreter, int outputIndex);

    [LibraryImport(Library)]
    internal static partial TfLiteType TfLiteTensorType(nint tensor);

    [LibraryImport(Library)]
    internal static partial int TfLiteTensorNumDims(nint tensor);

    [LibraryImport(Library)]
    internal static partial int TfLiteTensorDim(nint tensor, int dimIndex);

    [LibraryImport(Library)]
    internal static partial nuint TfLiteTensorByteSize(nint tensor);

    [LibraryImport(Library)]
    internal static partial nint TfLiteTensorData(nint tensor);

    /// <summary>Owned by the interpreter, do not free.</summary>
    [LibraryImport(Library)]
    internal static partial nint TfLiteTensorName(nint tensor);

    [LibraryImport(Library)]
    internal static partial TfLiteQuantizationParams TfLiteTensorQuantizationParams(nint tensor);

    /// <summary>The library's defaults (TF 2.9.0: no thread pool, float operators only).</summary>
    [LibraryImport(Library)]
    internal static partial TfLiteXNNPackDelegateOptions TfLiteXNNPackDelegateOptionsDefault();

    /// <summary>NULL when XNNPACK cannot start (e.g. the CPU lacks the instructions it needs). The options are copied.</summary>
    [LibraryImport(Library)]
    internal static partial nint TfLiteXNNPackDelegateCreate(TfLiteXNNPackDelegateOptions* options);

    [LibraryImport(Library)]
    internal static partial void TfLiteXNNPackDelegateDelete(nint xnnpackDelegate);

    /// <summary>inputDataSize must equal the tensor's byte size.</summary>
    [LibraryImport(Library)]
    internal static partial TfLiteStatus TfLiteTensorCopyFromBuffer(nint tensor, void* inputData, nuint inputDataSize);

    /// <summary>outputDataSize must equal the tensor's byte size.</summary>
    [LibraryImport(Library)]
    internal static partial TfLiteStatus TfLiteTensorCopyToBuffer(nint tensor, void* outputData, nuint outputDataSize);
}
