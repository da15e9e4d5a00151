using Dipper.Tpu.Devices;
using Dipper.Tpu.EdgeTpu;
using Dipper.Tpu.Lite;
using Dipper.Tpu.Native;

namespace Dipper.Tpu.Engines;

/// <summary>
/// Answers "can this box use its Edge TPU now?" within a fraction of a second and without opening a TPU:
/// loads the two libraries, lists libedgetpu's devices, compares versions, and scans USB/PCIe so that a
/// Coral libedgetpu cannot see (udev permissions) is told apart from no Coral at all.
/// </summary>
public static class EdgeTpuProbe
{
    /// <summary>Runs the probe.</summary>
    public static EdgeTpuAvailability Run(EdgeTpuProbeOptions? options = null)
    {
        options ??= new EdgeTpuProbeOptions();
        var tfliteLibrary = NativeLibraries.Locate(NativeLibraries.TfLite, options.Libraries);
        var edgeTpuLibrary = NativeLibraries.Locate(NativeLibraries.EdgeTpu, options.Libraries);
        var discovered = options.Discovery is { } d ? new CoralDiscovery(d).Scan() : null;

        string? tfliteVersion = null;
        if (tfliteLibrary.Found)
        {
            try
            {
                tfliteVersion = TfliteRuntime.Version;
            }
            catch (NativeLibraryNotFoundException)
            {
                // Found by this search but not by the process's resolver (other options); reported as missing below.
            }
        }

        EdgeTpuAvailability Unusable(string problem, string? edgetpu = null, RuntimeVersionReport? versions = null) =>
            new(false, [], discovered, tfliteLibrary, edgeTpuLibrary, tfliteVersion, edgetpu, versions, problem);

        if (!edgeTpuLibrary.Found)
            return Unusable($"Edge TPU unavailable: the Edge TPU runtime (libedgetpu.so.1) could not be loaded. {EdgeTpuRuntime.InstallAdvice} " +
                $"Tried: {string.Join("; ", edgeTpuLibrary.Tried)}.");
        if (!tfliteLibrary.Found)
            return Unusable($"Edge TPU unavailable: it runs through the TensorFlow Lite C library, which could not be loaded. {TfliteRuntime.InstallAdvice} " +
                $"Tried: {string.Join("; ", tfliteLibrary.Tried)}.");

        string edgeTpuVersion;
        IReadOnlyList<EdgeTpuDevice> devices;
        try
        {
            tfliteVersion ??= TfliteRuntime.Version;
            edgeTpuVersion = EdgeTpuRuntime.Version;
            devices = EdgeTpuRuntime.ListDevices();
        }
        catch (NativeLibraryNotFoundException e)
        {
            return Unusable($"Edge TPU unavailable: {e.Message}");
        }
        var versions = RuntimeVersionReport.Compare(tfliteVersion, edgeTpuVersion, RuntimeVersionReport.ReadDebianPackageVersion(options.DebianStatusFile));
        if (devices.Count == 0)
            return Unusable(NoDeviceMessage(discovered), edgeTpuVersion, versions);
        return new EdgeTpuAvailability(true, devices, discovered, tfliteLibrary, edgeTpuLibrary, tfliteVersion, edgeTpuVersion, versions, null);
    }

    private static string NoDeviceMessage(CoralScan? discovered)
    {
        var text = "Edge TPU unavailable: libedgetpu lists no Edge TPU. ";
        var seen = discovered?.Devices ?? [];
        if (seen.Count > 0)
        {
            text += $"Yet a Coral is attached ({string.Join(", ", seen.Select(c => c.UsbId is null ? c.Path : $"{c.Path} {c.UsbId}"))}): " +
                "libedgetpu cannot open it, which usually means the udev rules are missing (they must cover 1a6e:089a and 18d1:9302, group plugdev) " +
                "or this user is not in that group. ";
        }
        else if (discovered is not null)
        {
            text += $"No Coral is attached either (USB scanned through {discovered.UsbMethod}, PCIe through /sys/class/apex). ";
        }
        return text + EdgeTpuException.WhatToCheck;
    }
}
