using Dipper.Tpu.Native;

namespace Dipper.Tpu.Lite;

/// <summary>
/// A delegate (on the appliance: the Edge TPU) failed or could not be applied. Separate from runtime errors
/// because the remedy differs: the same batch usually runs fine on the CPU.
/// </summary>
public sealed class TfliteDelegateException : TfliteException
{
    /// <summary>Creates the error.</summary>
    public TfliteDelegateException(TfLiteStatus status, string operation, string nativeMessages, string? context = null)
        : base(status, operation, nativeMessages, context)
    {
    }
}
