using System.Runtime.InteropServices;

namespace Dipper.Tpu.Native;

/// <summary>
/// The part of libusb-1.0 (Debian libusb-1.0-0, the library libedgetpu itself uses) needed to see Coral USB
/// Accelerators: enumeration, bus/port numbers for libedgetpu-style paths, and hotplug notifications.
/// </summary>
internal static unsafe partial class LibUsbNative
{
    private const string Library = NativeLibraries.LibUsb;

    /// <summary>LIBUSB_CAP_HAS_HOTPLUG.</summary>
    internal const uint CapabilityHasHotplug = 0x0001;

    /// <summary>LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED.</summary>
    internal const int HotplugDeviceArrived = 0x01;

    /// <summary>LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT.</summary>
    internal const int HotplugDeviceLeft = 0x02;

    /// <summary>LIBUSB_HOTPLUG_NO_FLAGS.</summary>
    internal const int HotplugNoFlags = 0;

    /// <summary>LIBUSB_HOTPLUG_MATCH_ANY.</summary>
    internal const int HotplugMatchAny = -1;

    /// <summary>LIBUSB_ERROR_NOT_FOUND.</summary>
    internal const int ErrorNotFound = -5;

    static LibUsbNative() => NativeLibraries.EnsureConfigured();

    [LibraryImport(Library, EntryPoint = "libusb_init")]
    internal static partial int Init(out nint context);

    [LibraryImport(Library, EntryPoint = "libusb_exit")]
    internal static partial void Exit(nint context);

    /// <summary>Returns the count (ssize_t) or a negative libusb error; the list holds a reference on each device.</summary>
    [LibraryImport(Library, EntryPoint = "libusb_get_device_list")]
    internal static partial nint GetDeviceList(LibUsbContextHandle context, out nint list);

    [LibraryImport(Library, EntryPoint = "libusb_free_device_list")]
    internal static partial void FreeDeviceList(nint list, int unrefDevices);

    [LibraryImport(Library, EntryPoint = "libusb_get_device_descriptor")]
    internal static partial int GetDeviceDescriptor(nint device, out LibUsbDeviceDescriptor descriptor);

    [LibraryImport(Library, EntryPoint = "libusb_get_bus_number")]
    internal static partial byte GetBusNumber(nint device);

    /// <summary>Fills the port path from the root hub; returns the count or a negative error.</summary>
    [LibraryImport(Library, EntryPoint = "libusb_get_port_numbers")]
    internal static partial int GetPortNumbers(nint device, byte* portNumbers, int portNumbersLength);

    [LibraryImport(Library, EntryPoint = "libusb_has_capability")]
    internal static partial int HasCapability(uint capability);

    /// <summary>callback(context, device, event, user_data) returns 1 to deregister itself.</summary>
    [LibraryImport(Library, EntryPoint = "libusb_hotplug_register_callback")]
    internal static partial int HotplugRegisterCallback(LibUsbContextHandle context, int events, int flags,
        int vendorId, int productId, int deviceClass,
        delegate* unmanaged[Cdecl]<nint, nint, int, nint, int> callback, nint userData, out int callbackHandle);

    [LibraryImport(Library, EntryPoint = "libusb_hotplug_deregister_callback")]
    internal static partial void HotplugDeregisterCallback(LibUsbContextHandle context, int callbackHandle);

    /// <summary>Runs pending events (hotplug callbacks included) for at most the timeout.</summary>
    [LibraryImport(Library, EntryPoint = "libusb_handle_events_timeout_completed")]
    internal static partial int HandleEventsTimeoutCompleted(LibUsbContextHandle context, TimeVal* timeout, int* completed);

    /// <summary>Static struct, do not free.</summary>
    [LibraryImport(Library, EntryPoint = "libusb_get_version")]
    internal static partial LibUsbVersion* GetVersion();

    /// <summary>Static string, do not free.</summary>
    [LibraryImport(Library, EntryPoint = "libusb_error_name")]
    internal static partial nint ErrorName(int errorCode);

    /// <summary>The libusb error's name (LIBUSB_ERROR_ACCESS…) for messages.</summary>
    internal static string Describe(int errorCode) =>
        Marshal.PtrToStringUTF8(ErrorName(errorCode)) ?? $"libusb error {errorCode}";
}
