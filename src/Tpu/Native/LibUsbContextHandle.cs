using System.Runtime.InteropServices;

namespace Dipper.Tpu.Native;

/// <summary>A <c>libusb_context*</c> from <c>libusb_init</c>, ended with <c>libusb_exit</c> after every list and hotplug registration made from it.</summary>
internal sealed class LibUsbContextHandle : SafeHandle
{
    private LibUsbContextHandle() : base(0, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == 0;

    /// <summary>Initialises a private libusb context; the libusb error code on failure (no usbfs in a container, …).</summary>
    internal static LibUsbContextHandle? TryCreate(out int error)
    {
        error = LibUsbNative.Init(out var pointer);
        if (error != 0 || pointer == 0) return null;
        var result = new LibUsbContextHandle();
        result.SetHandle(pointer);
        return result;
    }

    protected override bool ReleaseHandle()
    {
        LibUsbNative.Exit(handle);
        return true;
    }
}
