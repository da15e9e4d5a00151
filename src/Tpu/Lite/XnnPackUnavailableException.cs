namespace Dipper.Tpu.Lite;

/// <summary>
/// The XNNPACK delegate cannot be had: the TFLite C library was built without it, or XNNPACK cannot start on this
/// CPU. Separate from <see cref="TfliteException"/> because nothing failed in TFLite itself and the remedy is a
/// setting: the CPU engine runs the same model on TFLite's built-in kernels, only slower.
/// </summary>
public sealed class XnnPackUnavailableException : Exception
{
    /// <summary>What to do about it, quoted in every message.</summary>
    public const string Remedy =
        "Use a TFLite C library built with XNNPACK (the one .ci/fetch-tflite.sh installs has it), or run the TFLite engine " +
        "without it (TfliteEngineOptions.XnnPack = false) on TFLite's built-in kernels.";

    /// <summary>Creates the error.</summary>
    public XnnPackUnavailableException(string message, Exception? inner = null) : base(message, inner)
    {
    }
}
