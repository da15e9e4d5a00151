using Dipper.Tpu.Native;

namespace Dipper.Tpu.Lite;

/// <summary>
/// A TFLite delegate (hardware back end) that interpreters can be built with. Disposing it while interpreters
/// still use it is safe: the native delegate is freed after the last of them.
/// </summary>
public abstract class TfliteDelegate : IDisposable
{
    private protected TfliteDelegate(TfLiteDelegateHandle handle) => Handle = handle;

    internal TfLiteDelegateHandle Handle { get; }

    /// <summary>Releases this reference to the native delegate.</summary>
    public void Dispose()
    {
        Handle.Dispose();
        GC.SuppressFinalize(this);
    }
}
