using System.Globalization;

namespace Dipper.Tpu.Devices;

/// <summary>
/// Finds Corals by reading sysfs: USB devices by their <c>idVendor</c>/<c>idProduct</c> files, PCIe modules
/// under the apex class with their temperature. Needs no native library and no permission to open the
/// device, so it works where libusb cannot (no usbfs in a container) and names the same paths.
/// </summary>
public sealed class SysfsCoralScanner(SysfsRoots? roots = null)
{
    /// <summary>The standard prefix libedgetpu uses for USB paths, whatever root was read.</summary>
    public const string UsbPathPrefix = "/sys/bus/usb/devices/";

    private readonly SysfsRoots roots = roots ?? new SysfsRoots();

    /// <summary>USB Accelerators then PCIe modules, each ordered by path.</summary>
    public IReadOnlyList<CoralDevice> Scan() => [.. ScanUsb(), .. ScanPci()];

    /// <summary>USB Accelerators, in either firmware state.</summary>
    public IReadOnlyList<CoralDevice> ScanUsb()
    {
        var found = new List<CoralDevice>();
        if (!Directory.Exists(roots.UsbDevices)) return found;
        foreach (var entry in Directory.EnumerateFileSystemEntries(roots.UsbDevices).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(entry);
            // Devices are "<bus>-<port>[.<port>…]"; root hubs ("usb2") and interfaces ("2-1:1.0") are skipped.
            if (!IsDeviceName(name)) continue;
            if (ReadHex(Path.Combine(entry, "idVendor")) is not { } vendor || ReadHex(Path.Combine(entry, "idProduct")) is not { } product)
                continue;
            if (CoralIds.StateOf(vendor, product) is not { } state) continue;
            found.Add(new CoralDevice(CoralBus.Usb, UsbPathPrefix + name, state, CoralDevice.FormatUsbId(vendor, product)));
        }
        return found;
    }

    /// <summary>PCIe modules bound to the apex driver, with their die temperature when readable.</summary>
    public IReadOnlyList<CoralDevice> ScanPci()
    {
        var found = new List<CoralDevice>();
        if (!Directory.Exists(roots.Apex)) return found;
        foreach (var entry in Directory.EnumerateFileSystemEntries(roots.Apex, "apex_*").Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(entry);
            found.Add(new CoralDevice(CoralBus.Pci, "/dev/" + name, CoralState.Bound, TemperatureCelsius: ReadTemperature(entry)));
        }
        return found;
    }

    /// <summary>The apex driver's <c>temp</c> file is in milli-degrees Celsius.</summary>
    private static double? ReadTemperature(string apexDirectory)
    {
        var text = ReadText(Path.Combine(apexDirectory, "temp"));
        return text is not null && long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var milli)
            ? milli / 1000.0
            : null;
    }

    private static bool IsDeviceName(string name)
    {
        var dash = name.IndexOf('-');
        if (dash <= 0 || name.Contains(':')) return false;
        return name[..dash].All(char.IsAsciiDigit) && name[(dash + 1)..].Split('.').All(p => p.Length > 0 && p.All(char.IsAsciiDigit));
    }

    private static ushort? ReadHex(string file) =>
        ReadText(file) is { } text && ushort.TryParse(text, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var value) ? value : null;

    private static string? ReadText(string file)
    {
        try
        {
            return File.Exists(file) ? File.ReadAllText(file).Trim() : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // a device unplugged mid-scan, or a file only root may read: not a Coral we can report
        }
    }
}
