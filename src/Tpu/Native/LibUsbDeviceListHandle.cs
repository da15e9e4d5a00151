using System.Runtime.InteropServices;

namespace Dipper.Tpu.Native;

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
