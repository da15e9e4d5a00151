namespace Dipper.Tpu.Devices;

/// <summary>
/// Where discovery reads sysfs. Configurable so tests (and containers with a bind-mounted /sys) can point
/// it elsewhere; reported paths always use the standard prefix, since that is what libedgetpu reports.
/// </summary>
public sealed record SysfsRoots
{
    /// <summary>USB devices as the kernel lists them (<c>2-1</c>, <c>2-1.4</c>, <c>usb2</c>, <c>2-1:1.0</c>…).</summary>
    public string UsbDevices { get; init; } = "/sys/bus/usb/devices";

    /// <summary>PCIe Edge TPUs bound to the gasket/apex driver (<c>apex_0</c>…).</summary>
    public string Apex { get; init; } = "/sys/class/apex";
}
