using Dipper.Basecaller.Models;
using Dipper.Tpu.Lite;

namespace Dipper.Tpu.Engines;

/// <summary>
/// Says plainly when an Edge TPU is plugged in but the model package has nothing compiled for it: the TPU then
/// sits idle and base calling runs on the CPU, which an operator who bought the TPU should hear at start and see
/// on the status page rather than find out from the throughput.
/// </summary>
public static class EdgeTpuModelNotice
{
    /// <summary>
    /// The notice for <paramref name="package"/> on this machine, or null when the package has a model compiled for the
    /// Edge TPU or no TPU is present. Probes only when the package has no compiled model.
    /// </summary>
    public static string? For(ModelPackage package, EdgeTpuProbeOptions? probe = null) =>
        For(package.Manifest.Name, EngineSelection.EdgeTpuModelPath(package), () => EdgeTpuProbe.Run(probe));

    /// <summary>As <see cref="For(ModelPackage, EdgeTpuProbeOptions?)"/>, with the probe injectable.</summary>
    internal static string? For(string modelName, string? edgeTpuModelPath, Func<EdgeTpuAvailability> probe)
    {
        if (edgeTpuModelPath is not null && IsCompiled(edgeTpuModelPath)) return null;
        var tpu = probe();
        var present = tpu.Devices.Count > 0
            ? string.Join(", ", tpu.Devices)
            : tpu.Discovered is { Devices.Count: > 0 } seen ? string.Join(", ", seen.Devices.Select(c => c.Path)) : null;
        if (present is null) return null;
        var what = edgeTpuModelPath is null ? "no TFLite model" : $"no model compiled for it ({Path.GetFileName(edgeTpuModelPath)} is not)";
        return $"An Edge TPU is plugged in ({present}), but model package '{modelName}' has {what}: the TPU stays idle and base calling " +
               "runs on the CPU. To use the TPU, compile the package with `dipper compile --target edgetpu` on an x86-64 Linux machine " +
               "with Google's edgetpu_compiler, then activate it.";
    }

    private static bool IsCompiled(string path)
    {
        try
        {
            return TfliteModelFile.IsCompiledForEdgeTpu(path);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            return false; // an unreadable model is no model for the TPU; the engine choice reports the file itself
        }
    }
}
