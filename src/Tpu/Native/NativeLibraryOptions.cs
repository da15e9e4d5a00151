namespace Dipper.Tpu.Native;

/// <summary>
/// Where to find the native libraries Dipper drives: a configured file (or folder) first, then
/// development folders, then the system's library search path. An appliance image usually installs
/// libedgetpu from Debian but ships the TFLite C library itself, so each can be pointed at separately.
/// </summary>
public sealed record NativeLibraryOptions
{
    /// <summary>Environment variable naming the TFLite C library (file or folder); read by <see cref="FromEnvironment"/>.</summary>
    public const string TfLiteVariable = "DIPPER_TFLITE_LIB";

    /// <summary>Environment variable naming libedgetpu (file or folder); read by <see cref="FromEnvironment"/>.</summary>
    public const string EdgeTpuVariable = "DIPPER_EDGETPU_LIB";

    /// <summary>Environment variable naming libusb-1.0 (file or folder); read by <see cref="FromEnvironment"/>.</summary>
    public const string LibUsbVariable = "DIPPER_LIBUSB_LIB";

    /// <summary><c>libtensorflowlite_c.so</c>, or a folder holding it; null to search only.</summary>
    public string? TfLitePath { get; init; }

    /// <summary><c>libedgetpu.so.1</c>, or a folder holding it; null to search only.</summary>
    public string? EdgeTpuPath { get; init; }

    /// <summary><c>libusb-1.0.so.0</c>, or a folder holding it; null to search only.</summary>
    public string? LibUsbPath { get; init; }

    /// <summary>
    /// Also look in the application folder and in <c>.native/&lt;rid&gt;/</c> of the application folder or any
    /// folder above it, where <c>.ci/fetch-tflite.sh</c> puts the TFLite library in a source checkout.
    /// </summary>
    public bool SearchApplicationFolders { get; init; } = true;

    /// <summary>Finally try the libraries' sonames through the system loader (ld.so.cache, LD_LIBRARY_PATH).</summary>
    public bool SearchSystem { get; init; } = true;

    /// <summary>Options taken from <see cref="TfLiteVariable"/>, <see cref="EdgeTpuVariable"/> and <see cref="LibUsbVariable"/>.</summary>
    public static NativeLibraryOptions FromEnvironment() => new()
    {
        TfLitePath = NonEmpty(Environment.GetEnvironmentVariable(TfLiteVariable)),
        EdgeTpuPath = NonEmpty(Environment.GetEnvironmentVariable(EdgeTpuVariable)),
        LibUsbPath = NonEmpty(Environment.GetEnvironmentVariable(LibUsbVariable)),
    };

    private static string? NonEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;
}
