using System.Runtime.InteropServices;

namespace Dipper.Tpu.Native;

/// <summary>
/// A <c>TfLiteDelegate*</c> owned by whichever library made it (libedgetpu, XNNPACK…); each subclass frees it
/// with that library's function. Interpreter options hold a reference, so a delegate disposed while an
/// interpreter still uses it is freed only after that interpreter.
/// </summary>
internal abstract class TfLiteDelegateHandle : SafeHandle
{
    protected TfLiteDelegateHandle() : base(0, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == 0;
}

/// <summary>A delegate from <c>edgetpu_create_delegate</c>, freed with <c>edgetpu_free_delegate</c>.</summary>
internal sealed class EdgeTpuDelegateHandle : TfLiteDelegateHandle
{
    private EdgeTpuDelegateHandle()
    {
    }

    /// <summary>Takes ownership of a delegate pointer; null for NULL.</summary>
    internal static EdgeTpuDelegateHandle? Own(nint pointer)
    {
        if (pointer == 0) return null;
        var result = new EdgeTpuDelegateHandle();
        result.SetHandle(pointer);
        return result;
    }

    protected override bool ReleaseHandle()
    {
        EdgeTpuNative.FreeDelegate(handle);
        return true;
    }
}
