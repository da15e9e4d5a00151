namespace Dipper.Tpu.Tests.Devices;

/// <summary>A throw-away sysfs tree in a temp folder, shaped like the kernel's.</summary>
internal sealed class FakeSysfs : IDisposable
{
    public FakeSysfs()
    {
        Root = Directory.CreateTempSubdirectory("dipper-sysfs-").FullName;
        UsbDevices = Directory.CreateDirectory(Path.Combine(Root, "bus", "usb", "devices")).FullName;
        Apex = Directory.CreateDirectory(Path.Combine(Root, "class", "apex")).FullName;
    }

    public string Root { get; }

    public string UsbDevices { get; }

    public string Apex { get; }

    public Dipper.Tpu.Devices.SysfsRoots Roots => new() { UsbDevices = UsbDevices, Apex = Apex };

    public FakeSysfs Usb(string name, string? vendor, string? product)
    {
        var dir = Directory.CreateDirectory(Path.Combine(UsbDevices, name)).FullName;
        if (vendor is not null) File.WriteAllText(Path.Combine(dir, "idVendor"), vendor + "\n");
        if (product is not null) File.WriteAllText(Path.Combine(dir, "idProduct"), product + "\n");
        return this;
    }

    public FakeSysfs ApexDevice(string name, string? milliCelsius)
    {
        var dir = Directory.CreateDirectory(Path.Combine(Apex, name)).FullName;
        if (milliCelsius is not null) File.WriteAllText(Path.Combine(dir, "temp"), milliCelsius + "\n");
        return this;
    }

    public void Remove(string usbName) => Directory.Delete(Path.Combine(UsbDevices, usbName), recursive: true);

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
