using System.Runtime.InteropServices;

namespace Dipper.Tpu.Native;

/// <summary>A hotplug callback registration (an int id, stored as the handle), deregistered before its context ends.</summary>
internal sealed class LibUsbHotplugHandle : SafeHandle
{
    private LibUsbContextHandle? context;

    private LibUsbHotplugHandle() : base(0, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle <= 0;

    /// <summary>Registers a callback for one vendor/product id pair; the libusb error code on failure.</summary>
    internal static unsafe LibUsbHotplugHandle? TryRegister(LibUsbContextHandle context, int vendorId, int productId,
        delegate* unmanaged[Cdecl]<nint, nint, int, nint, int> callback, nint userData, out int error)
    {
        var added = false;
        context.DangerousAddRef(ref added);
        error = LibUsbNative.HotplugRegisterCallback(context,
            LibUsbNative.HotplugDeviceArrived | LibUsbNative.HotplugDeviceLeft, LibUsbNative.HotplugNoFlags,
            vendorId, productId, LibUsbNative.HotplugMatchAny, callback, userData, out var id);
        if (error != 0)
        {
            context.DangerousRelease();
            return null;
        }
        var result = new LibUsbHotplugHandle { context = context };
        result.SetHandle(id);
        return result;
    }

    protected override bool ReleaseHandle()
    {
        if (context is not null)
        {
            LibUsbNative.HotplugDeregisterCallback(context, (int)handle);
            context.DangerousRelease();
            context = null;
        }
        return true;
    }
}
