using Dipper.Tpu.Native;

namespace Dipper.Tpu.Tests.Support;

/// <summary>Makes a missing TFLite C library fail tests with the fix, not a DllNotFoundException.</summary>
internal static class TfliteLibrary
{
    /// <summary>Fails the calling test when libtensorflowlite_c.so cannot be loaded.</summary>
    public static void Require()
    {
        var location = NativeLibraries.Locate(NativeLibraries.TfLite);
        Assert.True(location.Found,
            "libtensorflowlite_c.so not found: the test build fetches it with npm, so install npm (apt-get install npm) " +
            "or run .ci/fetch-tflite.sh (puts it in .native/<rid>/), " +
            $"or set {NativeLibraryOptions.TfLiteVariable}. Tried: {string.Join("; ", location.Tried)}");
    }
}
