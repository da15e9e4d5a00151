using Dipper.Tpu.Devices;
using Dipper.Tpu.EdgeTpu;
using Dipper.Tpu.Native;

namespace Dipper.Tpu.Engines;

/// <summary>Whether the Edge TPU can be used now, what was found, and — when it cannot — what to check.</summary>
/// <param name="Usable">Both libraries load and libedgetpu lists at least one TPU.</param>
/// <param name="Devices">The TPUs libedgetpu lists (the ones engines can open).</param>
/// <param name="Discovered">Corals seen on USB/PCIe by discovery, listed by libedgetpu or not; null when not scanned.</param>
/// <param name="TfliteLibrary">Where libtensorflowlite_c was found, or where it was looked for.</param>
/// <param name="EdgeTpuLibrary">Where libedgetpu was found, or where it was looked for.</param>
/// <param name="TfliteVersion"><c>TfLiteVersion()</c>, when loaded.</param>
/// <param name="EdgeTpuVersion"><c>edgetpu_version()</c>, when loaded.</param>
/// <param name="Versions">The two versions compared, when both loaded.</param>
/// <param name="Problem">Why the Edge TPU cannot be used, naming it and what to check; null when usable.</param>
public sealed record EdgeTpuAvailability(
    bool Usable,
    IReadOnlyList<EdgeTpuDevice> Devices,
    CoralScan? Discovered,
    NativeLibraryLocation TfliteLibrary,
    NativeLibraryLocation EdgeTpuLibrary,
    string? TfliteVersion,
    string? EdgeTpuVersion,
    RuntimeVersionReport? Versions,
    string? Problem);
