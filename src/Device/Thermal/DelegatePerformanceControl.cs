using Dipper.Tpu.EdgeTpu;
using Dipper.Tpu.Engines;

namespace Dipper.Device.Thermal;

/// <summary>
/// The service's <see cref="IEdgeTpuPerformanceControl"/>: writes the level into the
/// <see cref="EdgeTpuPerformanceSetting"/> the Edge TPU engines share. Before the next batch on a TPU, the
/// engine running it recreates that TPU's one shared delegate with the new <c>Performance</c> option (the
/// other threads' engines rebuild their interpreters on it), so the governor never waits for a batch and never
/// interrupts one; a TPU that is out of service picks the level up when it is opened again.
/// </summary>
public sealed class DelegatePerformanceControl(EdgeTpuPerformanceSetting setting) : IEdgeTpuPerformanceControl
{
    /// <inheritdoc />
    public void SetPerformance(EdgeTpuPerformance level) => setting.Level = level;
}
