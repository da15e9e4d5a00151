namespace Dipper.Tpu.Devices;

/// <summary>How <see cref="CoralDiscovery"/> looks for Corals.</summary>
public sealed record CoralDiscoveryOptions
{
    /// <summary>Where sysfs is read (USB fallback and PCIe).</summary>
    public SysfsRoots Roots { get; init; } = new();

    /// <summary>Enumerate USB through libusb (the same view libedgetpu has); when false or unavailable, read sysfs.</summary>
    public bool UseLibUsb { get; init; } = true;
}
