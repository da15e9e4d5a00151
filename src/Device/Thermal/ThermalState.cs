using Dipper.Tpu.EdgeTpu;

namespace Dipper.Device.Thermal;

/// <summary>
/// What the thermal governor decided, for the LED, the status page and the pipeline.
/// </summary>
/// <param name="Performance">The Edge TPU level in force.</param>
/// <param name="Paused">True while base calling must wait for the box to cool.</param>
/// <param name="Throttled">True when running below the top level or paused.</param>
/// <param name="Celsius">Latest hottest temperature, or null before the first reading.</param>
/// <param name="Sensor">Sensor that reported it.</param>
/// <param name="Since">When the performance level or pause last changed.</param>
public sealed record ThermalState(
    EdgeTpuPerformance Performance,
    bool Paused,
    bool Throttled,
    double? Celsius,
    string? Sensor,
    DateTimeOffset Since);
