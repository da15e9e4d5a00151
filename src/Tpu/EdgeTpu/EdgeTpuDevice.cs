using Dipper.Tpu.Native;

namespace Dipper.Tpu.EdgeTpu;

/// <summary>
/// An Edge TPU as libedgetpu names it: its kind and path (<c>/sys/bus/usb/devices/2-1</c> for USB,
/// <c>/dev/apex_0</c> for PCIe). The path is the stable way to ask for one particular TPU.
/// </summary>
/// <param name="Type">USB Accelerator or PCIe module.</param>
/// <param name="Path">libedgetpu's path string for the device.</param>
public sealed record EdgeTpuDevice(EdgeTpuDeviceType Type, string Path)
{
    /// <summary>"usb:/sys/bus/usb/devices/2-1", as used in engine names and logs.</summary>
    public override string ToString() => $"{(Type == EdgeTpuDeviceType.Usb ? "usb" : "pci")}:{Path}";
}
