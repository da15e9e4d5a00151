using System.Runtime.InteropServices;

namespace Dipper.Tpu.Native;

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
