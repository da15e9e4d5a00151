using System.Globalization;
using Dipper.Tpu.EdgeTpu;
using Dipper.Tpu.Native;

namespace Dipper.Tpu.Devices;

/// <summary>
/// A Coral seen by discovery. <see cref="Path"/> is the string libedgetpu uses for the same device
/// (<c>/sys/bus/usb/devices/&lt;bus&gt;-&lt;port&gt;[.&lt;port&gt;…]</c>, <c>/dev/apex_N</c>), so a discovered device can be
/// matched with <c>edgetpu_list_devices</c> and opened by path.
/// </summary>
/// <param name="Bus">USB or PCIe.</param>
/// <param name="Path">libedgetpu's path for the device.</param>
/// <param name="State">Firmware state (USB) or driver binding (PCIe).</param>
/// <param name="UsbId">"18d1:9302" style id for USB devices.</param>
/// <param name="TemperatureCelsius">Die temperature for PCIe modules (the apex driver reports it; USB has no sensor).</param>
public sealed record CoralDevice(CoralBus Bus, string Path, CoralState State, string? UsbId = null, double? TemperatureCelsius = null)
{
    /// <summary>The device as libedgetpu would name it.</summary>
    public EdgeTpuDevice ToEdgeTpuDevice() => new(Bus == CoralBus.Usb ? EdgeTpuDeviceType.Usb : EdgeTpuDeviceType.Pci, Path);

    /// <summary>libedgetpu's USB path for a device at <paramref name="bus"/> behind the given hub ports.</summary>
    public static string UsbPath(int bus, ReadOnlySpan<byte> ports)
    {
        var path = new System.Text.StringBuilder("/sys/bus/usb/devices/").Append(bus.ToString(CultureInfo.InvariantCulture)).Append('-');
        for (var i = 0; i < ports.Length; i++)
        {
            if (i > 0) path.Append('.');
            path.Append(ports[i].ToString(CultureInfo.InvariantCulture));
        }
        return path.ToString();
    }

    /// <summary>"vvvv:pppp" in lower-case hex, as lsusb prints it.</summary>
    public static string FormatUsbId(ushort vendor, ushort product) => $"{vendor:x4}:{product:x4}";
}
