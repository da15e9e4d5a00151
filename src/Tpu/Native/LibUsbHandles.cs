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

/// <summary>A <c>libusb_device**</c> list; it holds a reference on its context, which must outlive it.</summary>
internal sealed class LibUsbDeviceListHandle : SafeHandle
{
    private LibUsbContextHandle? context;

    private LibUsbDeviceListHandle() : base(0, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == 0;

    /// <summary>Number of devices in the list.</summary>
    internal int Count { get; private init; }

    /// <summary>Enumerates the devices of a context; the libusb error code on failure.</summary>
    internal static LibUsbDeviceListHandle? TryCreate(LibUsbContextHandle context, out int error)
    {
        var added = false;
        context.DangerousAddRef(ref added);
        var count = LibUsbNative.GetDeviceList(context, out var list);
        if (count < 0 || list == 0)
        {
            context.DangerousRelease();
            error = (int)count;
            return null;
        }
        error = 0;
        var result = new LibUsbDeviceListHandle { context = context, Count = checked((int)count) };
        result.SetHandle(list);
        return result;
    }

    /// <summary>The i-th <c>libusb_device*</c>; valid while this list is.</summary>
    internal unsafe nint this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
            return ((nint*)handle)[index];
        }
    }

    protected override bool ReleaseHandle()
    {
        LibUsbNative.FreeDeviceList(handle, unrefDevices: 1);
        context?.DangerousRelease();
        context = null;
        return true;
    }
}

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
