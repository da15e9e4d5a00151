using Dipper.Tpu.Native;

namespace Dipper.Tpu.Lite;

/// <summary>
/// The model uses operators this runtime lacks, most often an Edge TPU model (its <c>edgetpu-custom-op</c>)
/// run without the Edge TPU delegate, or a model from a newer TensorFlow.
/// </summary>
public sealed class TfliteUnresolvedOpsException : TfliteException
{
    /// <summary>Creates the error.</summary>
    public TfliteUnresolvedOpsException(string operation, string nativeMessages, string? context = null)
        : base(TfLiteStatus.UnresolvedOps, operation, nativeMessages, context)
    {
    }
}
