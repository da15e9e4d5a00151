using Dipper.Tpu.Native;

namespace Dipper.Tpu.Lite;

/// <summary>
/// A TensorFlow Lite call failed. <see cref="FromStatus"/> is the single place where a <see cref="TfLiteStatus"/>
/// becomes an exception type, so every caller sees delegate failures, unresolved ops and unknown future
/// status values the same way, with the interpreter's own messages attached.
/// </summary>
public class TfliteException : Exception
{
    /// <summary>Creates the error.</summary>
    public TfliteException(TfLiteStatus status, string operation, string nativeMessages, string? context = null)
        : base(Compose(status, operation, nativeMessages, context))
    {
        Status = status;
        Operation = operation;
        NativeMessages = nativeMessages;
    }

    /// <summary>The status the C API returned; may be a value this code does not know.</summary>
    public TfLiteStatus Status { get; }

    /// <summary>The C function that failed, e.g. <c>TfLiteInterpreterInvoke</c>.</summary>
    public string Operation { get; }

    /// <summary>What the interpreter reported through its error reporter during the call (may be empty).</summary>
    public string NativeMessages { get; }

    /// <summary>Whether <paramref name="status"/> is one of the values TFLite has defined so far.</summary>
    public static bool IsKnown(TfLiteStatus status) => status is >= TfLiteStatus.Ok and <= TfLiteStatus.Cancelled;

    /// <summary>Maps a failed status to its exception type; unknown values become a plain <see cref="TfliteException"/>.</summary>
    public static TfliteException FromStatus(TfLiteStatus status, string operation, string nativeMessages, string? context = null) =>
        status switch
        {
            TfLiteStatus.DelegateError or TfLiteStatus.ApplicationError or TfLiteStatus.DelegateDataNotFound
                or TfLiteStatus.DelegateDataWriteError or TfLiteStatus.DelegateDataReadError
                => new TfliteDelegateException(status, operation, nativeMessages, context),
            TfLiteStatus.UnresolvedOps => new TfliteUnresolvedOpsException(operation, nativeMessages, context),
            _ => new TfliteException(status, operation, nativeMessages, context),
        };

    internal static void ThrowIfFailed(TfLiteStatus status, string operation, TfLiteErrorLog log, string? context = null)
    {
        if (status == TfLiteStatus.Ok) return;
        throw FromStatus(status, operation, log.Drain(), context);
    }

    /// <summary>The C enumerator name and meaning of a status, for messages.</summary>
    public static string Describe(TfLiteStatus status) => status switch
    {
        TfLiteStatus.Ok => "kTfLiteOk",
        TfLiteStatus.Error => "kTfLiteError (runtime error)",
        TfLiteStatus.DelegateError => "kTfLiteDelegateError (the delegate failed)",
        TfLiteStatus.ApplicationError => "kTfLiteApplicationError (the delegate could not be applied to this graph)",
        TfLiteStatus.DelegateDataNotFound => "kTfLiteDelegateDataNotFound",
        TfLiteStatus.DelegateDataWriteError => "kTfLiteDelegateDataWriteError",
        TfLiteStatus.DelegateDataReadError => "kTfLiteDelegateDataReadError",
        TfLiteStatus.UnresolvedOps => "kTfLiteUnresolvedOps (the model uses ops this runtime lacks)",
        TfLiteStatus.Cancelled => "kTfLiteCancelled",
        _ => $"unknown status {(int)status} (from a newer TFLite than this code knows)",
    };

    private static string Compose(TfLiteStatus status, string operation, string nativeMessages, string? context)
    {
        var text = $"{operation} failed: {Describe(status)}";
        if (!string.IsNullOrEmpty(nativeMessages)) text += $": {nativeMessages}";
        if (!string.IsNullOrEmpty(context)) text = $"{context}: {text}";
        return text;
    }
}
