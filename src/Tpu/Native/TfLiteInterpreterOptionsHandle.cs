using System.Runtime.InteropServices;

namespace Dipper.Tpu.Native;

/// <summary>
/// Owns a <c>TfLiteInterpreterOptions*</c>. The options point at the delegates added to them and at the
/// error log (through a GCHandle), so this handle holds a reference on each delegate and keeps the
/// GCHandle until it is released; interpreters in turn hold a reference on the options, because TFLite
/// keeps calling the error reporter for the interpreter's whole life.
/// </summary>
internal sealed class TfLiteInterpreterOptionsHandle : SafeHandle
{
    private readonly List<SafeHandle> delegates = [];
    private GCHandle errorLogHandle;

    private TfLiteInterpreterOptionsHandle() : base(0, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == 0;

    /// <summary>Creates options whose error reporter writes to <paramref name="errorLog"/>.</summary>
    internal static unsafe TfLiteInterpreterOptionsHandle Create(TfLiteErrorLog errorLog)
    {
        var pointer = TfLiteNative.TfLiteInterpreterOptionsCreate();
        if (pointer == 0) throw new OutOfMemoryException("TfLiteInterpreterOptionsCreate returned NULL");
        var result = new TfLiteInterpreterOptionsHandle();
        result.SetHandle(pointer);
        result.errorLogHandle = GCHandle.Alloc(errorLog);
        TfLiteNative.TfLiteInterpreterOptionsSetErrorReporter(result, TfLiteErrorLog.Reporter, GCHandle.ToIntPtr(result.errorLogHandle));
        return result;
    }

    /// <summary>Adds a delegate and keeps it alive at least as long as these options.</summary>
    internal void AddDelegate(SafeHandle tfliteDelegate)
    {
        var added = false;
        tfliteDelegate.DangerousAddRef(ref added);
        delegates.Add(tfliteDelegate);
        TfLiteNative.TfLiteInterpreterOptionsAddDelegate(this, tfliteDelegate.DangerousGetHandle());
    }

    protected override bool ReleaseHandle()
    {
        TfLiteNative.TfLiteInterpreterOptionsDelete(handle);
        foreach (var d in delegates) d.DangerousRelease();
        delegates.Clear();
        if (errorLogHandle.IsAllocated) errorLogHandle.Free();
        return true;
    }
}
