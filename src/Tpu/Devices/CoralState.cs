namespace Dipper.Tpu.Devices;

/// <summary>What discovery can tell about a Coral without opening it.</summary>
public enum CoralState
{
    /// <summary>USB, 1a6e:089a: present, firmware not loaded yet (libedgetpu loads it on first open, ~1 s).</summary>
    NeedsFirmware,

    /// <summary>USB, 18d1:9302: present with firmware running.</summary>
    Ready,

    /// <summary>PCIe module bound to the apex driver.</summary>
    Bound,
}
