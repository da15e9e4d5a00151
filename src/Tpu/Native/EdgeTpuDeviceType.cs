namespace Dipper.Tpu.Native;

/// <summary><c>enum edgetpu_device_type</c> (tflite/public/edgetpu_c.h); a C enum, so 4 bytes.</summary>
public enum EdgeTpuDeviceType
{
    /// <summary>EDGETPU_APEX_PCI: an M.2 or mini-PCIe module (/dev/apex_N).</summary>
    Pci = 0,

    /// <summary>EDGETPU_APEX_USB: the USB Accelerator.</summary>
    Usb = 1,
}
