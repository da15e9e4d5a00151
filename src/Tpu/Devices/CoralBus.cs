namespace Dipper.Tpu.Devices;

/// <summary>How a Coral is attached.</summary>
public enum CoralBus
{
    /// <summary>USB Accelerator.</summary>
    Usb,

    /// <summary>M.2 / mini-PCIe module.</summary>
    Pci,
}
