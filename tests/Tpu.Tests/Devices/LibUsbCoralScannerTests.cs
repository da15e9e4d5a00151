using System.Diagnostics;
using Dipper.Tpu.Devices;

namespace Dipper.Tpu.Tests.Devices;

/// <summary>Against the real libusb-1.0 of the machine; there is no Coral here.</summary>
public sealed class LibUsbCoralScannerTests
{
    [Fact]
    public void Real_libusb_enumerates_without_a_coral_as_an_empty_list()
    {
        Assert.NotNull(LibUsbCoralScanner.Version());
        var (devices, problem) = LibUsbCoralScanner.Scan();
        Assert.Empty(devices);
        // libusb may refuse to start where there is no usbfs at all; that must come back as a reason, not a crash.
        if (problem is not null) Assert.StartsWith("libusb", problem);
    }

    [Fact]
    public void Repeated_enumeration_releases_contexts_and_lists()
    {
        for (var i = 0; i < 200; i++) Assert.Empty(LibUsbCoralScanner.Scan().Devices);
    }

    [Fact]
    public void Hotplug_watcher_starts_and_stops_promptly()
    {
        var watch = Stopwatch.StartNew();
        using (var watcher = UsbHotplugWatcher.TryStart(out var problem))
        {
            Assert.True(watcher is not null || problem is not null);
        }
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"took {watch.Elapsed}");
    }

    [Fact]
    public void Discovery_takes_usb_from_libusb_and_pcie_from_the_configured_sysfs()
    {
        using var sysfs = new FakeSysfs();
        sysfs.ApexDevice("apex_0", "51000").Usb("2-1", "18d1", "9302");
        var scan = new CoralDiscovery(new CoralDiscoveryOptions { Roots = sysfs.Roots }).Scan();
        if (scan.UsbMethod == "libusb")
        {
            Assert.Equal([new CoralDevice(CoralBus.Pci, "/dev/apex_0", CoralState.Bound, TemperatureCelsius: 51)], scan.Devices);
        }
        else
        {
            Assert.NotEmpty(scan.Problems);
            Assert.Equal(2, scan.Devices.Count);
        }
    }

    [Fact]
    public void Discovery_without_libusb_reads_usb_from_sysfs()
    {
        using var sysfs = new FakeSysfs();
        sysfs.Usb("2-1", "18d1", "9302");
        var scan = new CoralDiscovery(new CoralDiscoveryOptions { Roots = sysfs.Roots, UseLibUsb = false }).Scan();
        Assert.Equal("sysfs", scan.UsbMethod);
        Assert.Equal("/sys/bus/usb/devices/2-1", Assert.Single(scan.Devices).Path);
    }
}
