using System.Runtime.InteropServices;

namespace Dipper.Tpu.Native;

/// <summary>
/// libedgetpu's whole public C API (tflite/public/edgetpu_c.h): six functions. The ownership rules that
/// matter: the device list is one block freed once with <see cref="FreeDevices"/>; a delegate must outlive
/// every interpreter using it; with options, <c>name</c> must not be NULL or the library aborts the process.
/// </summary>
internal static unsafe partial class EdgeTpuNative
{
    private const string Library = NativeLibraries.EdgeTpu;

    static EdgeTpuNative() => NativeLibraries.EnsureConfigured();

    /// <summary>edgetpu_list_devices: NULL and 0 when no device is present.</summary>
    [LibraryImport(Library, EntryPoint = "edgetpu_list_devices")]
    internal static partial EdgeTpuDeviceNative* ListDevices(out nuint numDevices);

    /// <summary>edgetpu_free_devices: frees the array and its path strings.</summary>
    [LibraryImport(Library, EntryPoint = "edgetpu_free_devices")]
    internal static partial void FreeDevices(nint devices);

    /// <summary>edgetpu_create_delegate: NULL when no matching device can be opened or an option is invalid.</summary>
    [LibraryImport(Library, EntryPoint = "edgetpu_create_delegate")]
    internal static partial nint CreateDelegate(EdgeTpuDeviceType type, byte* name, EdgeTpuOptionNative* options, nuint numOptions);

    /// <summary>edgetpu_free_delegate.</summary>
    [LibraryImport(Library, EntryPoint = "edgetpu_free_delegate")]
    internal static partial void FreeDelegate(nint tfliteDelegate);

    /// <summary>edgetpu_verbosity: 0 (quiet) to 10, logged to stderr.</summary>
    [LibraryImport(Library, EntryPoint = "edgetpu_verbosity")]
    internal static partial void Verbosity(int verbosity);

    /// <summary>edgetpu_version: static string, do not free.</summary>
    [LibraryImport(Library, EntryPoint = "edgetpu_version")]
    internal static partial nint Version();
}
