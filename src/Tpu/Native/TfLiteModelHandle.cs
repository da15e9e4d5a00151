using System.Runtime.InteropServices;

namespace Dipper.Tpu.Native;

/// <summary>
/// Owns a <c>TfLiteModel*</c> and, for models made from memory, the native copy of the model bytes, which
/// TFLite reads in place for as long as the model or any interpreter made from it lives. Interpreters hold
/// a reference on this handle, so the bytes are freed only after the last interpreter is deleted.
/// </summary>
internal sealed class TfLiteModelHandle : SafeHandle
{
    private nint buffer;

    private TfLiteModelHandle() : base(0, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == 0;

    /// <summary>Copies <paramref name="model"/> to native memory and builds a model over it; null when TFLite rejects the bytes.</summary>
    internal static unsafe TfLiteModelHandle? FromBuffer(ReadOnlySpan<byte> model)
    {
        var result = new TfLiteModelHandle();
        var copy = (nint)NativeMemory.AlignedAlloc((nuint)Math.Max(model.Length, 1), 16);
        model.CopyTo(new Span<byte>((void*)copy, model.Length));
        nint pointer = 0;
        try
        {
            pointer = TfLiteNative.TfLiteModelCreate((void*)copy, (nuint)model.Length);
        }
        finally
        {
            if (pointer == 0) NativeMemory.AlignedFree((void*)copy);
        }
        if (pointer == 0)
        {
            result.SetHandleAsInvalid();
            return null;
        }
        result.buffer = copy;
        result.SetHandle(pointer);
        return result;
    }

    /// <summary>Builds a model from a file (TFLite maps it); null when it cannot be opened or parsed.</summary>
    internal static TfLiteModelHandle? FromFile(string path)
    {
        var pointer = TfLiteNative.TfLiteModelCreateFromFile(path);
        if (pointer == 0) return null;
        var result = new TfLiteModelHandle();
        result.SetHandle(pointer);
        return result;
    }

    protected override unsafe bool ReleaseHandle()
    {
        TfLiteNative.TfLiteModelDelete(handle);
        if (buffer != 0)
        {
            NativeMemory.AlignedFree((void*)buffer);
            buffer = 0;
        }
        return true;
    }
}
