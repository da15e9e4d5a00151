namespace Dipper.Tpu.Devices;

/// <summary>
/// USB ids of the Coral USB Accelerator. It enumerates as Global Unichip 1a6e:089a until libedgetpu loads its
/// firmware, then re-enumerates as Google 18d1:9302; udev rules and discovery must accept both.
/// </summary>
public static class CoralIds
{
    /// <summary>Vendor id before firmware load (Global Unichip).</summary>
    public const ushort BootVendor = 0x1a6e;

    /// <summary>Product id before firmware load (DFU mode).</summary>
    public const ushort BootProduct = 0x089a;

    /// <summary>Vendor id once the firmware runs (Google).</summary>
    public const ushort ReadyVendor = 0x18d1;

    /// <summary>Product id once the firmware runs.</summary>
    public const ushort ReadyProduct = 0x9302;

    /// <summary>The state a USB id means, or null for a device that is not a Coral.</summary>
    public static CoralState? StateOf(ushort vendor, ushort product) => (vendor, product) switch
    {
        (BootVendor, BootProduct) => CoralState.NeedsFirmware,
        (ReadyVendor, ReadyProduct) => CoralState.Ready,
        _ => null,
    };
}
