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
