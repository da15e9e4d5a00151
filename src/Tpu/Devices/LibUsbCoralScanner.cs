using Dipper.Tpu.Native;

namespace Dipper.Tpu.Devices;

/// <summary>
/// Finds Coral USB Accelerators through libusb-1.0, the library libedgetpu itself enumerates with, and
/// builds libedgetpu's path for each from its bus and port numbers.
/// </summary>
public static class LibUsbCoralScanner
{
    /// <summary>USB allows at most 7 tiers of ports below the root hub.</summary>
    private const int MaxPortDepth = 7;

    /// <summary>Corals on USB, or an empty list and the reason libusb could not be used.</summary>
    public static (IReadOnlyList<CoralDevice> Devices, string? Problem) Scan()
    {
        try
        {
            using var context = LibUsbContextHandle.TryCreate(out var error);
            if (context is null) return ([], $"libusb_init failed: {LibUsbNative.Describe(error)}");
            using var list = LibUsbDeviceListHandle.TryCreate(context, out error);
            if (list is null) return ([], $"libusb_get_device_list failed: {LibUsbNative.Describe(error)}");
            var found = new List<CoralDevice>();
            for (var i = 0; i < list.Count; i++)
            {
                if (Describe(list[i]) is { } device) found.Add(device);
            }
            found.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
            return (found, null);
        }
        catch (DllNotFoundException)
        {
            return ([], "libusb-1.0 is not installed (Debian package libusb-1.0-0)");
        }
    }

    /// <summary>The libusb version, e.g. "1.0.26.11724"; null when libusb cannot be loaded.</summary>
    public static unsafe string? Version()
    {
        try
        {
            var v = LibUsbNative.GetVersion();
            return v == null ? null : $"{v->Major}.{v->Minor}.{v->Micro}.{v->Nano}";
        }
        catch (DllNotFoundException)
        {
            return null;
        }
    }

    /// <summary>The Coral behind a <c>libusb_device*</c>, or null when it is another device.</summary>
    internal static unsafe CoralDevice? Describe(nint device)
    {
        if (LibUsbNative.GetDeviceDescriptor(device, out var descriptor) != 0) return null;
        if (CoralIds.StateOf(descriptor.VendorId, descriptor.ProductId) is not { } state) return null;
        var ports = stackalloc byte[MaxPortDepth];
        var depth = LibUsbNative.GetPortNumbers(device, ports, MaxPortDepth);
        if (depth <= 0) return null; // a root hub has no port path; a Coral never is one
        var path = CoralDevice.UsbPath(LibUsbNative.GetBusNumber(device), new ReadOnlySpan<byte>(ports, depth));
        return new CoralDevice(CoralBus.Usb, path, state, CoralDevice.FormatUsbId(descriptor.VendorId, descriptor.ProductId));
    }
}
