namespace Dipper.Tpu.EdgeTpu;

/// <summary>
/// libedgetpu's "Performance" option: the TPU core clock (63, 125, 250, 500 MHz). USB Accelerators have no
/// thermal reporting, so the appliance lowers this itself when its own sensors say the enclosure is hot.
/// The "std" runtime silently turns Max into High on USB.
/// </summary>
public enum EdgeTpuPerformance
{
    /// <summary>63 MHz.</summary>
    Low,

    /// <summary>125 MHz.</summary>
    Medium,

    /// <summary>250 MHz.</summary>
    High,

    /// <summary>500 MHz (the "max" runtime only; needs ambient ≤ 25 °C).</summary>
    Max,
}
