namespace Dipper.Tpu.Native;

/// <summary>
/// <c>TfLiteStatus</c> (tensorflow/lite/c/c_api_types.h). The header warns the enum grows, so values outside
/// this list can arrive and are reported as unknown rather than trusted.
/// </summary>
public enum TfLiteStatus
{
    /// <summary>kTfLiteOk.</summary>
    Ok = 0,

    /// <summary>kTfLiteError: a runtime (interpreter) error.</summary>
    Error = 1,

    /// <summary>kTfLiteDelegateError: the delegate (e.g. the Edge TPU) failed.</summary>
    DelegateError = 2,

    /// <summary>kTfLiteApplicationError: a delegate could not be applied to this graph.</summary>
    ApplicationError = 3,

    /// <summary>kTfLiteDelegateDataNotFound: serialized delegate data missing.</summary>
    DelegateDataNotFound = 4,

    /// <summary>kTfLiteDelegateDataWriteError: serialized delegate data could not be written.</summary>
    DelegateDataWriteError = 5,

    /// <summary>kTfLiteDelegateDataReadError: serialized delegate data could not be read.</summary>
    DelegateDataReadError = 6,

    /// <summary>kTfLiteUnresolvedOps: the model uses ops this runtime does not have (e.g. an Edge TPU op without the delegate).</summary>
    UnresolvedOps = 7,

    /// <summary>kTfLiteCancelled (TF 2.10 and later): the invoke was cancelled.</summary>
    Cancelled = 8,
}
