using Dipper.Device.Thermal;
using Dipper.Tpu.EdgeTpu;

namespace Dipper.Device.Tests.Thermal;

/// <summary>Stands in for the service's delegate re-creation: remembers each level asked for.</summary>
internal sealed class RecordingPerformanceControl : IEdgeTpuPerformanceControl
{
    public List<EdgeTpuPerformance> Requests { get; } = [];

    public bool Fail { get; set; }

    public void SetPerformance(EdgeTpuPerformance level)
    {
        if (Fail) throw new InvalidOperationException("delegate could not be recreated");
        Requests.Add(level);
    }
}
