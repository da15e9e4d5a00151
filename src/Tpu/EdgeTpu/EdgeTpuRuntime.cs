using System.Runtime.InteropServices;
using Dipper.Tpu.Native;

namespace Dipper.Tpu.EdgeTpu;

/// <summary>libedgetpu as a whole: whether it loads, its version, the TPUs it sees.</summary>
public static class EdgeTpuRuntime
{
    /// <summary>What to do when the library is missing, quoted in <see cref="NativeLibraryNotFoundException"/>.</summary>
    public const string InstallAdvice =
        "Install the Edge TPU runtime (Debian libedgetpu1-std or libedgetpu1-max from Coral's repository) " +
        "or point DIPPER_EDGETPU_LIB at libedgetpu.so.1.";

    /// <summary>libedgetpu's version string, e.g. "BuildLabel(COMPILER=…,DATE=…,TIME=…,CL_NUMBER=…), RuntimeVersion(14)".</summary>
    /// <exception cref="NativeLibraryNotFoundException">libedgetpu cannot be loaded.</exception>
    public static string Version => Call(() => Marshal.PtrToStringUTF8(EdgeTpuNative.Version()) ?? "");

    /// <summary>Where libedgetpu is (or would be) loaded from, and what was tried.</summary>
    public static NativeLibraryLocation Locate(NativeLibraryOptions? options = null) =>
        NativeLibraries.Locate(NativeLibraries.EdgeTpu, options);

    /// <summary>The TPUs libedgetpu can see now (empty when none).</summary>
    /// <exception cref="NativeLibraryNotFoundException">libedgetpu cannot be loaded.</exception>
    public static IReadOnlyList<EdgeTpuDevice> ListDevices() => Call(() =>
    {
        using var list = EdgeTpuDeviceListHandle.List();
        var devices = new EdgeTpuDevice[list.Count];
        for (var i = 0; i < devices.Length; i++)
        {
            var d = list[i];
            devices[i] = new EdgeTpuDevice(d.Type, Marshal.PtrToStringUTF8(d.Path) ?? "");
        }
        return devices;
    });

    /// <summary>Sets libedgetpu's logging to stderr, 0 (quiet) to 10.</summary>
    public static void SetVerbosity(int level)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(level);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(level, 10);
        Call(() =>
        {
            EdgeTpuNative.Verbosity(level);
            return 0;
        });
    }

    internal static T Call<T>(Func<T> call)
    {
        try
        {
            return call();
        }
        catch (DllNotFoundException e)
        {
            throw new NativeLibraryNotFoundException(Locate(), InstallAdvice, e);
        }
        catch (EntryPointNotFoundException e)
        {
            throw new NativeLibraryNotFoundException(Locate(), "The library found does not export libedgetpu's C API. " + InstallAdvice, e);
        }
    }
}
