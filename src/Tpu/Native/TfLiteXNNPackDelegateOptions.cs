using System.Runtime.InteropServices;

namespace Dipper.Tpu.Native;

/// <summary>
/// <c>TfLiteXNNPackDelegateOptions</c> as the TFLite 2.9.0 C library Dipper ships has it
/// (tensorflow/lite/delegates/xnnpack/xnnpack_delegate.h): <c>int32_t num_threads; uint32_t flags;</c>, 8 bytes.
/// Later releases appended fields (a weights cache pointer, …); this library's <c>TfLiteXNNPackDelegateCreate</c>
/// copies exactly 8 bytes from the options and <c>TfLiteXNNPackDelegateOptionsDefault</c> returns them in one
/// register (both read from the x86-64 and arm64 builds' machine code), so the struct must stay this size.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct TfLiteXNNPackDelegateOptions
{
    /// <summary><c>TFLITE_XNNPACK_DELEGATE_FLAG_QS8</c>: also run signed 8-bit quantised operators (per-channel weights included).</summary>
    internal const uint SignedQuantised = 0x1;

    /// <summary><c>TFLITE_XNNPACK_DELEGATE_FLAG_QU8</c>: also run unsigned 8-bit quantised operators.</summary>
    internal const uint UnsignedQuantised = 0x2;

    /// <summary>Threads of the delegate's own pool; 0 or 1 runs on the calling thread.</summary>
    internal int NumThreads;

    /// <summary>Any of the flag constants above. The shipped library's default is 0: float operators only.</summary>
    internal uint Flags;
}
