using Dipper.Tpu.EdgeTpu;

namespace Dipper.Device.Thermal;

/// <summary>
/// Changes the Edge TPU's clock. libedgetpu reads <c>Performance</c> only when a delegate is created,
/// so the service implements this (<see cref="DelegatePerformanceControl"/>) by having the engines recreate
/// each TPU's one shared delegate between batches; the governor only says which level it wants.
/// </summary>
public interface IEdgeTpuPerformanceControl
{
    /// <summary>Asks for <paramref name="level"/> from the next batch on; may be called from the governor's thread.</summary>
    void SetPerformance(EdgeTpuPerformance level);
}
