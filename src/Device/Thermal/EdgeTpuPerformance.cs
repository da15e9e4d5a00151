namespace Dipper.Device.Thermal;

/// <summary>
/// The Edge TPU's <c>Performance</c> delegate option (libedgetpu), i.e. its core clock: Low 63 MHz,
/// Medium 125 MHz, High 250 MHz, Max 500 MHz. Ordered so that a larger value is faster and hotter.
/// </summary>
public enum EdgeTpuPerformance
{
    /// <summary>63 MHz.</summary>
    Low,

    /// <summary>125 MHz; the slowest level the thermal governor steps down to.</summary>
    Medium,

    /// <summary>250 MHz; the fastest a USB Accelerator runs with the std runtime.</summary>
    High,

    /// <summary>500 MHz; needs the max runtime and a cool box.</summary>
    Max,
}

/// <summary>The option strings libedgetpu accepts.</summary>
public static class EdgeTpuPerformanceNames
{
    /// <summary>The value of the <c>Performance</c> option for <paramref name="level"/> ("Low", "Medium", "High", "Max").</summary>
    public static string ToOptionValue(this EdgeTpuPerformance level) => level switch
    {
        EdgeTpuPerformance.Low => "Low",
        EdgeTpuPerformance.Medium => "Medium",
        EdgeTpuPerformance.High => "High",
        EdgeTpuPerformance.Max => "Max",
        _ => throw new ArgumentOutOfRangeException(nameof(level), level, "not an Edge TPU performance level"),
    };
}
