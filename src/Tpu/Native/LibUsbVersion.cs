using System.Runtime.InteropServices;

namespace Dipper.Tpu.Native;

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
