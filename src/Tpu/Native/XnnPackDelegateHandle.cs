namespace Dipper.Tpu.Native;

/// <summary>A delegate from <c>TfLiteXNNPackDelegateCreate</c>, freed with <c>TfLiteXNNPackDelegateDelete</c>.</summary>
internal sealed class XnnPackDelegateHandle : TfLiteDelegateHandle
{
    private XnnPackDelegateHandle()
    {
    }

    /// <summary>Takes ownership of a delegate pointer; null for NULL.</summary>
    internal static XnnPackDelegateHandle? Own(nint pointer)
    {
        if (pointer == 0) return null;
        var result = new XnnPackDelegateHandle();
        result.SetHandle(pointer);
        return result;
    }

    protected override bool ReleaseHandle()
    {
        TfLiteNative.TfLiteXNNPackDelegateDelete(handle);
        return true;
    }
}
