using Dipper.Basecaller.Inference;
using Dipper.Basecaller.Models;
using Dipper.Tpu.Engines;
using Dipper.Tpu.Lite;
using Dipper.Tpu.Native;

namespace Dipper.Tpu.Models;

/// <summary>
/// The TFLite half of a package's validation. The plain model (<c>files.tflite</c>) runs one all-zero batch
/// through the TFLite C library on the CPU, exactly as the appliance's TFLite engine would, and must give
/// log-probabilities of the shape the manifest promises. A model compiled for the Edge TPU
/// (<c>files.tfliteEdgeTpu</c>, or a compiled <c>files.tflite</c>) cannot run without a TPU, so its file is
/// checked instead: it must be compiled, and its input and output tensors must have the manifest's shape.
/// The rest of validation is <see cref="ModelPackageValidator"/> in Dipper.Basecaller, which cannot see TFLite;
/// programs hand it this check. Holds no state.
/// </summary>
public sealed class TfliteTestInference : ITfliteModelCheck
{
    /// <inheritdoc />
    public void Check(ModelPackage package, string path, bool mustBeCompiledForEdgeTpu)
    {
        var name = Path.GetFileName(path);
        bool compiled;
        try
        {
            compiled = TfliteModelFile.IsCompiledForEdgeTpu(path);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            throw new ModelPackageRejectedException(package.Directory, e.Message, e);
        }
        if (mustBeCompiledForEdgeTpu && !compiled)
            throw new ModelPackageRejectedException(package.Directory,
                $"{name} is named as the Edge TPU model (tfliteEdgeTpu) but is not compiled for the Edge TPU (no {TfliteModelFile.EdgeTpuCustomOp})");
        if (compiled) CheckCompiledShapes(package, path);
        else RunOnCpu(package, path);
    }

    /// <summary>The shape [batch, frames, classes] the manifest implies for one batch of output.</summary>
    private static int[] Expected(ModelManifest m, int batch) => [batch, m.Chunk.Samples / m.Stride, m.Alphabet.Length];

    private static void RunOnCpu(ModelPackage package, string path)
    {
        var m = package.Manifest;
        var name = Path.GetFileName(path);
        if (!NativeLibraries.Locate(NativeLibraries.TfLite).Found)
            throw new ModelPackageRejectedException(package.Directory,
                $"{name} cannot be test-run: libtensorflowlite_c.so could not be loaded. {TfliteRuntime.InstallAdvice}");
        try
        {
            using var engine = TfliteEngine.FromFile(path, new TfliteEngineOptions { Threads = 1 });
            var batch = engine.MaxBatch;
            int[] shape = [batch, engine.FramesPerChunk, engine.Classes];
            var expected = Expected(m, m.Chunk.Batch ?? batch);
            if (engine.ChunkSamples != m.Chunk.Samples || !shape.SequenceEqual(expected))
                throw new ModelPackageRejectedException(package.Directory,
                    $"{name}: TFLite takes {engine.ChunkSamples} samples per chunk and gives [{string.Join(", ", shape)}]; " +
                    $"the manifest implies {m.Chunk.Samples} samples and [{string.Join(", ", expected)}]");
            var logProbs = new float[batch * engine.FramesPerChunk * engine.Classes];
            engine.Infer(new float[batch * engine.ChunkSamples], batch, logProbs);
            if (!Array.TrueForAll(logProbs, float.IsFinite))
                throw new ModelPackageRejectedException(package.Directory, $"{name}: test inference on a zero chunk gave non-finite log-probabilities");
        }
        catch (Exception e) when (e is TfliteException or InvalidDataException or InferenceException or NativeLibraryNotFoundException)
        {
            throw new ModelPackageRejectedException(package.Directory, $"{name} does not run in TFLite: {e.Message}", e);
        }
    }

    private static void CheckCompiledShapes(ModelPackage package, string path)
    {
        var m = package.Manifest;
        var name = Path.GetFileName(path);
        TfliteModelShapes shapes;
        try
        {
            shapes = TfliteModelFile.ReadShapes(path);
        }
        catch (InvalidDataException e)
        {
            throw new ModelPackageRejectedException(package.Directory, e.Message, e);
        }
        if (shapes.Inputs.Count != 1 || shapes.Outputs.Count != 1)
            throw new ModelPackageRejectedException(package.Directory,
                $"{name} has {shapes.Inputs.Count} inputs and {shapes.Outputs.Count} outputs; an engine model has one of each");
        var input = shapes.Inputs[0];
        var output = shapes.Outputs[0];
        var batch = input.Length > 0 ? input[0] : 0;
        var samples = input.Skip(1).Aggregate(1, (p, d) => p * d);
        int[] shape = output.Length >= 3 ? [output[0], output[1..^1].Aggregate(1, (p, d) => p * d), output[^1]] : output;
        var expected = Expected(m, m.Chunk.Batch ?? batch);
        if (batch < 1 || samples != m.Chunk.Samples || !shape.SequenceEqual(expected))
            throw new ModelPackageRejectedException(package.Directory,
                $"{name}: input [{string.Join(", ", input)}] → output [{string.Join(", ", output)}]; " +
                $"the manifest implies {m.Chunk.Samples} samples per chunk and [{string.Join(", ", expected)}]");
    }
}
