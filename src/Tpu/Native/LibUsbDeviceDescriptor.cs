using System.Runtime.InteropServices;

namespace Dipper.Tpu.Native;

/// <summary>
/// <c>struct libusb_device_descriptor</c> (libusb.h): the 18-byte USB device descriptor with natural
/// alignment (no padding: every 16-bit field falls on an even offset).
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct LibUsbDeviceDescriptor
{
    internal byte Length;
    internal byte DescriptorType;
    internal ushort UsbVersion;
    internal byte DeviceClass;
    internal byte DeviceSubClass;
    internal byte DeviceProtocol;
    internal byte MaxPacketSize0;
    internal ushort VendorId;
    internal ushort ProductId;
    internal ushort DeviceVersion;
    internal byte ManufacturerIndex;
    internal byte ProductIndex;
    internal byte SerialNumberIndex;
    internal byte ConfigurationCount;
}
