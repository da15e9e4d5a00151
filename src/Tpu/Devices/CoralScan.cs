namespace Dipper.Tpu.Devices;

/// <summary>The Corals found by one scan, how USB was enumerated, and what got in the way.</summary>
/// <param name="Devices">USB Accelerators then PCIe modules.</param>
/// <param name="UsbMethod">"libusb" or "sysfs".</param>
/// <param name="Problems">Why a preferred method was not used (e.g. libusb missing); empty when none.</param>
public sealed record CoralScan(IReadOnlyList<CoralDevice> Devices, string UsbMethod, IReadOnlyList<string> Problems);
