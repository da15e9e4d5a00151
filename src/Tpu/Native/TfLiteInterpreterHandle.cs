using System.Runtime.InteropServices;

namespace Dipper.Tpu.Native;

/// <summary>
/// Owns a <c>TfLiteInterpreter*</c> and enforces TFLite's disposal order: it holds references on its options
/// (and through them its delegates and error log) and on its model, and drops them only after
/// <c>TfLiteInterpreterDelete</c>. However the managed objects are disposed, the native order is therefore
/// interpreter, then options and delegates, then model and model bytes.
/// </summary>
internal sealed class TfLiteInterpreterHandle : SafeHandle
{
    private TfLiteModelHandle? model;
    private TfLiteInterpreterOptionsHandle? options;

    private TfLiteInterpreterHandle() : base(0, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == 0;

    /// <summary>Creates the interpreter; null when TFLite refuses (the options' error log says why).</summary>
    internal static TfLiteInterpreterHandle? Create(TfLiteModelHandle model, TfLiteInterpreterOptionsHandle options)
    {
        bool modelAdded = false, optionsAdded = false;
        nint pointer = 0;
        try
        {
            model.DangerousAddRef(ref modelAdded);
            options.DangerousAddRef(ref optionsAdded);
            pointer = TfLiteNative.TfLiteInterpreterCreate(model, options);
        }
        finally
        {
            if (pointer == 0)
            {
                if (optionsAdded) options.DangerousRelease();
                if (modelAdded) model.DangerousRelease();
            }
        }
        if (pointer == 0) return null;
        var result = new TfLiteInterpreterHandle { model = model, options = options };
        result.SetHandle(pointer);
        return result;
    }

    protected override bool ReleaseHandle()
    {
        TfLiteNative.TfLiteInterpreterDelete(handle);
        options?.DangerousRelease();
        model?.DangerousRelease();
        options = null;
        model = null;
        return true;
    }
}
