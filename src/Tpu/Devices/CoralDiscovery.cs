namespace Dipper.Tpu.Devices;

/// <summary>
/// Finds Corals on USB and PCIe without opening them: USB through libusb when it works, else sysfs;
/// PCIe always through the apex class in sysfs. Used by <c>dipperd devices</c>, by the engine probe to tell
/// "no TPU" from "TPU present but unusable", and to notice a pulled TPU coming back.
/// </summary>
public sealed class CoralDiscovery(CoralDiscoveryOptions? options = null)
{
    private readonly CoralDiscoveryOptions options = options ?? new CoralDiscoveryOptions();

    /// <summary>Scans now.</summary>
    public CoralScan Scan()
    {
        var sysfs = new SysfsCoralScanner(options.Roots);
        var problems = new List<string>();
        IReadOnlyList<CoralDevice>? usb = null;
        var method = "sysfs";
        if (options.UseLibUsb)
        {
            var (devices, problem) = LibUsbCoralScanner.Scan();
            if (problem is null)
            {
                usb = devices;
                method = "libusb";
            }
            else
            {
                problems.Add($"{problem}; read sysfs instead");
            }
        }
        usb ??= sysfs.ScanUsb();
        return new CoralScan([.. usb, .. sysfs.ScanPci()], method, problems);
    }
}
