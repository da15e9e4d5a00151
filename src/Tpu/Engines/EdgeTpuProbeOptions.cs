using Dipper.Tpu.Devices;
using Dipper.Tpu.EdgeTpu;
using Dipper.Tpu.Native;

namespace Dipper.Tpu.Engines;

/// <summary>What <see cref="EdgeTpuProbe"/> looks at.</summary>
public sealed record EdgeTpuProbeOptions
{
    /// <summary>Where to look for the libraries; null for the options in effect for this process.</summary>
    public NativeLibraryOptions? Libraries { get; init; }

    /// <summary>Also scan USB and PCIe (to tell "no Coral" from "Coral present but libedgetpu cannot see it"); null to skip.</summary>
    public CoralDiscoveryOptions? Discovery { get; init; } = new();

    /// <summary>dpkg's status file, read for the libedgetpu package version (see <see cref="RuntimeVersionReport"/>).</summary>
    public string DebianStatusFile { get; init; } = RuntimeVersionReport.DebianStatusFile;
}
