using System.Runtime.InteropServices;
using Dipper.Tpu.Native;

namespace Dipper.Tpu.Lite;

/// <summary>The TensorFlow Lite C library as a whole: whether it loads and which TensorFlow release it is.</summary>
public static class TfliteRuntime
{
    /// <summary>What to do when the library is missing, quoted in <see cref="NativeLibraryNotFoundException"/>.</summary>
    public const string InstallAdvice =
        "Install the TensorFlow Lite C library (libtensorflowlite_c.so) or point DIPPER_TFLITE_LIB at it; " +
        "in a source checkout the test build fetches it with npm (apt-get install npm), or run .ci/fetch-tflite.sh; " +
        "either puts it in .native/<rid>/.";

    /// <summary>The TensorFlow version the library was built from (<c>TfLiteVersion()</c>, e.g. "2.9.0").</summary>
    /// <exception cref="NativeLibraryNotFoundException">The library cannot be loaded.</exception>
    public static string Version
    {
        get
        {
            EnsureLoaded();
            return Marshal.PtrToStringUTF8(TfLiteNative.TfLiteVersion()) ?? "";
        }
    }

    /// <summary>Where the library is (or would be) loaded from, and what was tried.</summary>
    public static NativeLibraryLocation Locate() => NativeLibraries.Locate(NativeLibraries.TfLite);

    /// <summary>Loads the library now, so a missing one is reported with its search path instead of a bare DllNotFoundException.</summary>
    /// <exception cref="NativeLibraryNotFoundException">The library cannot be loaded.</exception>
    public static void EnsureLoaded()
    {
        try
        {
            _ = TfLiteNative.TfLiteVersion();
        }
        catch (DllNotFoundException e)
        {
            throw new NativeLibraryNotFoundException(Locate(), InstallAdvice, e);
        }
        catch (EntryPointNotFoundException e)
        {
            throw new NativeLibraryNotFoundException(Locate(), "The library found does not export the TFLite C API. " + InstallAdvice, e);
        }
    }
}
