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

/// <summary><c>struct timeval</c> on 64-bit Linux: two <c>long</c>s.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct TimeVal
{
    internal long Seconds;
    internal long Microseconds;
}

/// <summary><c>struct libusb_version</c>: four 16-bit numbers, then two static strings.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct LibUsbVersion
{
    internal ushort Major;
    internal ushort Minor;
    internal ushort Micro;
    internal ushort Nano;
    internal nint ReleaseCandidate;
    internal nint Describe;
}
