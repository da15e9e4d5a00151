using Dipper.Tpu.Devices;

namespace Dipper.Tpu.Tests.Devices;

public sealed class SysfsCoralScannerTests : IDisposable
{
    private readonly FakeSysfs sysfs = new();

    public void Dispose() => sysfs.Dispose();

    [Fact]
    public void Corals_in_both_firmware_states_are_found_with_libedgetpus_paths_and_other_devices_ignored()
    {
        sysfs.Usb("2-1", "18d1", "9302")        // Coral, firmware running
            .Usb("1-1.4", "1a6e", "089a")       // Coral behind a hub, before firmware load
            .Usb("2-2", "046d", "c52b")         // a mouse
            .Usb("usb2", "1d6b", "0003")        // root hub
            .Usb("2-1:1.0", null, null)         // an interface of 2-1
            .Usb("3-1", "18d1", null);          // half-read device (unplugged mid-scan)

        var found = new SysfsCoralScanner(sysfs.Roots).ScanUsb();

        Assert.Equal(
            [
                new CoralDevice(CoralBus.Usb, "/sys/bus/usb/devices/1-1.4", CoralState.NeedsFirmware, "1a6e:089a"),
                new CoralDevice(CoralBus.Usb, "/sys/bus/usb/devices/2-1", CoralState.Ready, "18d1:9302"),
            ],
            found);
    }

    [Fact]
    public void Pcie_modules_are_found_with_their_temperature_in_celsius()
    {
        sysfs.ApexDevice("apex_0", "45600").ApexDevice("apex_1", null);

        var found = new SysfsCoralScanner(sysfs.Roots).ScanPci();

        Assert.Equal(
            [
                new CoralDevice(CoralBus.Pci, "/dev/apex_0", CoralState.Bound, TemperatureCelsius: 45.6),
                new CoralDevice(CoralBus.Pci, "/dev/apex_1", CoralState.Bound),
            ],
            found);
    }

    [Fact]
    public void Missing_sysfs_folders_mean_no_devices()
    {
        var roots = new SysfsRoots { UsbDevices = Path.Combine(sysfs.Root, "nope"), Apex = Path.Combine(sysfs.Root, "nope2") };
        Assert.Empty(new SysfsCoralScanner(roots).Scan());
    }

    [Fact]
    public void A_device_unplugged_between_scans_disappears()
    {
        sysfs.Usb("2-1", "18d1", "9302");
        var scanner = new SysfsCoralScanner(sysfs.Roots);
        Assert.Single(scanner.Scan());
        sysfs.Remove("2-1");
        Assert.Empty(scanner.Scan());
    }

    [Fact]
    public void Usb_paths_are_built_from_bus_and_port_chain_like_libedgetpus()
    {
        Assert.Equal("/sys/bus/usb/devices/2-1", CoralDevice.UsbPath(2, [1]));
        Assert.Equal("/sys/bus/usb/devices/1-1.4.3", CoralDevice.UsbPath(1, [1, 4, 3]));
        Assert.Equal("/sys/bus/usb/devices/12-10", CoralDevice.UsbPath(12, [10]));
    }
}
