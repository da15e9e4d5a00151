using Dipper.Basecaller.Inference;

namespace Dipper.Basecaller.Models;

/// <summary>
/// The test inference of a model with dynamic pooling (<see cref="ModelManifest.Pooling"/>), run before the appliance
/// activates one: the part before the pooling on one all-zero chunk of the manifest's samples, the host's pooling over
/// what it gives, and the part after it on one window of those pooled frames (zero-padded to the window, as the
/// pipeline pads a read's last window). Each part runs in the same ONNX Runtime engine the pipeline runs it in, so a part
/// the service could not load, or whose tensors are not what the manifest says, is refused here, naming its file,
/// rather than activated and then failing in the service.
/// </summary>
public static class PooledTestInference
{
    /// <summary>Runs both parts once and checks their outputs are whole and finite.</summary>
    /// <exception cref="ModelPackageRejectedException">A part does not load or run, gives another shape than the manifest says, or non-finite values.</exception>
    public static void Run(ModelPackage package)
    {
        var manifest = package.Manifest;
        var pooling = manifest.Pooling ?? throw new ArgumentException($"model '{manifest.Name}' has no dynamic pooling", nameof(package));

        var beforeTensors = NetworkTensors.BeforePooling(manifest);
        var frames = new float[beforeTensors.OutputFrames * beforeTensors.Classes];
        Infer(package, pooling.Before.Onnx, package.BeforePoolingPath!, beforeTensors, new float[beforeTensors.ChunkValues], frames, "features and pooling logits");

        var pooled = DynamicPooling.PoolFrames(frames, pooling.Features, pooling.Scale, out var length);
        var afterTensors = NetworkTensors.AfterPooling(manifest);
        var window = new float[afterTensors.ChunkValues];
        pooled.AsSpan(0, Math.Min(length, afterTensors.InputLength) * pooling.Features).CopyTo(window);
        var scores = new float[afterTensors.OutputFrames * afterTensors.Classes];
        Infer(package, pooling.After.Onnx, package.AfterPoolingPath!, afterTensors, window, scores, "log-probabilities");
    }

    private static void Infer(ModelPackage package, string file, string path, NetworkTensors tensors, float[] input, float[] output, string what)
    {
        try
        {
            using var engine = new OnnxRuntimeEngine(path, tensors, new InferenceEngineOptions { Threads = 1, Batch = 1 });
            engine.Infer(input, 1, output);
        }
        catch (InferenceException e)
        {
            throw new ModelPackageRejectedException(package.Directory, $"{file} does not run in ONNX Runtime as the manifest's pooling section says: {e.Message}", e);
        }
        foreach (var value in output)
        {
            if (!float.IsFinite(value))
                throw new ModelPackageRejectedException(package.Directory, $"test inference of {file} on a zero chunk gave non-finite {what}");
        }
    }
}
