using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Dipper.Tpu.Native;

namespace Dipper.Tpu.Devices;

/// <summary>
/// Reports Corals arriving and leaving on USB as they happen, through libusb's hotplug callbacks, so a
/// TPU plugged back in is taken back into service without waiting for the next poll. libusb only delivers
/// callbacks while someone handles its events, so this owns one background thread doing that.
/// </summary>
public sealed class UsbHotplugWatcher : IDisposable
{
    private static readonly TimeSpan EventPollInterval = TimeSpan.FromMilliseconds(200);

    private readonly LibUsbContextHandle context;
    private readonly List<LibUsbHotplugHandle> registrations = [];
    private readonly Thread thread;
    private GCHandle self;
    private volatile bool stopping;

    private UsbHotplugWatcher(LibUsbContextHandle context)
    {
        this.context = context;
        thread = new Thread(HandleEvents) { IsBackground = true, Name = "libusb hotplug" };
    }

    /// <summary>Raised on the watcher's thread; handlers must not block for long.</summary>
    public event EventHandler<CoralHotplugEventArgs>? DeviceChanged;

    /// <summary>Starts watching; null with the reason when libusb is missing or has no hotplug support on this system.</summary>
    public static unsafe UsbHotplugWatcher? TryStart(out string? problem)
    {
        try
        {
            if (LibUsbNative.HasCapability(LibUsbNative.CapabilityHasHotplug) == 0)
            {
                problem = "this libusb has no hotplug support; poll discovery instead";
                return null;
            }
            var context = LibUsbContextHandle.TryCreate(out var error);
            if (context is null)
            {
                problem = $"libusb_init failed: {LibUsbNative.Describe(error)}";
                return null;
            }
            var watcher = new UsbHotplugWatcher(context);
            watcher.self = GCHandle.Alloc(watcher);
            foreach (var (vendor, product) in new[] { (CoralIds.BootVendor, CoralIds.BootProduct), (CoralIds.ReadyVendor, CoralIds.ReadyProduct) })
            {
                var registration = LibUsbHotplugHandle.TryRegister(context, vendor, product, &OnHotplug, GCHandle.ToIntPtr(watcher.self), out error);
                if (registration is null)
                {
                    watcher.Dispose();
                    problem = $"libusb_hotplug_register_callback failed: {LibUsbNative.Describe(error)}";
                    return null;
                }
                watcher.registrations.Add(registration);
            }
            watcher.thread.Start();
            problem = null;
            return watcher;
        }
        catch (DllNotFoundException)
        {
            problem = "libusb-1.0 is not installed (Debian package libusb-1.0-0)";
            return null;
        }
    }

    /// <summary>Stops the event thread, deregisters the callbacks, then ends the libusb context.</summary>
    public void Dispose()
    {
        stopping = true;
        if (thread.IsAlive) thread.Join();
        foreach (var r in registrations) r.Dispose();
        registrations.Clear();
        context.Dispose();
        if (self.IsAllocated) self.Free();
    }

    private unsafe void HandleEvents()
    {
        while (!stopping)
        {
            var timeout = new TimeVal { Seconds = 0, Microseconds = (long)EventPollInterval.TotalMicroseconds };
            LibUsbNative.HandleEventsTimeoutCompleted(context, &timeout, null);
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int OnHotplug(nint libusbContext, nint device, int hotplugEvent, nint userData)
    {
        try
        {
            if (GCHandle.FromIntPtr(userData).Target is UsbHotplugWatcher watcher && LibUsbCoralScanner.Describe(device) is { } coral)
                watcher.DeviceChanged?.Invoke(watcher, new CoralHotplugEventArgs(coral, hotplugEvent == LibUsbNative.HotplugDeviceArrived));
        }
        catch
        {
            // An exception must not unwind into libusb; a missed notification is caught by the next scan.
        }
        return 0; // stay registered
    }
}
