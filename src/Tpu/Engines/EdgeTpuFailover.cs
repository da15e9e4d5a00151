using Dipper.Basecaller.Inference;
using Dipper.Tpu.EdgeTpu;

namespace Dipper.Tpu.Engines;

/// <summary>Builds the appliance's usual engine: every Edge TPU round-robin, then a CPU fallback.</summary>
public static class EdgeTpuFailover
{
    /// <summary>
    /// A failover candidate for one TPU. Each open loads the model file anew (TFLite maps it, so this is cheap),
    /// which keeps every engine independent of the others' lifetimes; the engine keeps its model to rebuild its
    /// interpreter when the performance setting changes, and opens at the setting's current level. Engines opened
    /// with the same <paramref name="tpus"/> share one delegate per TPU (give every thread's engines of a process
    /// the same one); without it each engine opens the TPU for itself. The TPU counts as present when
    /// <paramref name="listDevices"/> (default: libedgetpu's own list) names its path.
    /// </summary>
    public static FailoverCandidate Candidate(string edgeTpuModelPath, EdgeTpuDevice device, EdgeTpuEngineOptions? options = null,
        Func<IReadOnlyList<EdgeTpuDevice>>? listDevices = null, SharedEdgeTpus? tpus = null)
    {
        listDevices ??= EdgeTpuRuntime.ListDevices;
        return new FailoverCandidate(
            EdgeTpuEngine.NameOf(device),
            () => EdgeTpuEngine.Open(edgeTpuModelPath, tpus?.For(device) ?? new SharedEdgeTpu(device), options),
            () => listDevices().Contains(device));
    }

    /// <summary>One engine per TPU in <paramref name="devices"/>, used round-robin, then <paramref name="fallback"/>.</summary>
    /// <param name="edgeTpuModelPath">The model compiled for the Edge TPU.</param>
    /// <param name="devices">The TPUs to use (e.g. from <see cref="EdgeTpuRuntime.ListDevices"/>).</param>
    /// <param name="options">Per-TPU settings.</param>
    /// <param name="fallback">The engine used when no TPU can take a batch (TFLite CPU on the uncompiled model, or ONNX); owned by the result.</param>
    /// <param name="failover">Recheck interval and logging.</param>
    /// <param name="tpus">The process's TPUs, shared by every thread's engine so each TPU has one delegate; null: this engine opens them for itself.</param>
    /// <exception cref="InferenceException">No TPU could be opened and there is no fallback.</exception>
    public static FailoverEngine Create(string edgeTpuModelPath, IEnumerable<EdgeTpuDevice> devices, EdgeTpuEngineOptions? options,
        IInferenceEngine? fallback, FailoverOptions? failover = null, SharedEdgeTpus? tpus = null) =>
        new(devices.Select(d => Candidate(edgeTpuModelPath, d, options, tpus: tpus)), fallback, failover);
}
