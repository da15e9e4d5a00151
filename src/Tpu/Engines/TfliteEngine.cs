using Dipper.Basecaller.Inference;
using Dipper.Tpu.Lite;

namespace Dipper.Tpu.Engines;

/// <summary>
/// The base-calling network on the CPU through TensorFlow Lite: the appliance's fallback when no Edge TPU
/// is usable, and the reference the Edge TPU results are compared with. float32 or int8 models, ending at
/// log-probabilities or (<see cref="TfliteEngineOptions.OutputIsLogits"/>) at class scores.
/// </summary>
public sealed class TfliteEngine : IInferenceEngine
{
    private readonly ChunkInterpreter runner;

    /// <summary>Builds an interpreter for <paramref name="model"/> (which may be shared with other engines).</summary>
    /// <exception cref="TfliteException">TFLite cannot prepare the model (e.g. it was compiled for the Edge TPU).</exception>
    /// <exception cref="InvalidDataException">The model does not have the engine's input/output shapes.</exception>
    /// <exception cref="XnnPackUnavailableException"><see cref="TfliteEngineOptions.XnnPack"/> is set and the library lacks XNNPACK.</exception>
    public TfliteEngine(TfliteModel model, TfliteEngineOptions? options = null)
    {
        options ??= new TfliteEngineOptions();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.Threads);
        // The interpreter holds the delegate until it is deleted, so this reference can go at once.
        using var xnnPack = options.XnnPack ? XnnPackDelegate.Create(options.Threads) : null;
        var interpreter = new TfliteInterpreter(model, new TfliteInterpreterOptions
        {
            Threads = options.Threads,
            Delegates = xnnPack is null ? [] : [xnnPack],
        });
        try
        {
            runner = new ChunkInterpreter(Name, interpreter, options.MaxBatch, options.OutputIsLogits);
        }
        catch (TfliteUnresolvedOpsException e)
        {
            throw new InvalidDataException(
                $"{model.Source}: the TFLite CPU engine cannot run this model: {e.Message}. " +
                "A model compiled for the Edge TPU needs the Edge TPU; give the CPU engine the uncompiled model.", e);
        }
    }

    /// <summary>Loads the model file and builds the engine.</summary>
    public static TfliteEngine FromFile(string modelPath, TfliteEngineOptions? options = null)
    {
        using var model = TfliteModel.FromFile(modelPath);
        return new TfliteEngine(model, options);
    }

    /// <inheritdoc />
    public string Name => "tflite";

    /// <inheritdoc />
    public int ChunkSamples => runner.ChunkSamples;

    /// <inheritdoc />
    public int FramesPerChunk => runner.FramesPerChunk;

    /// <inheritdoc />
    public int Classes => runner.Classes;

    /// <inheritdoc />
    public int MaxBatch => runner.MaxBatch;

    /// <inheritdoc />
    public void Infer(ReadOnlySpan<float> chunks, int chunkCount, Span<float> logProbs) => runner.Infer(chunks, chunkCount, logProbs);

    /// <summary>Releases the interpreter (and the model, if no other engine uses it).</summary>
    public void Dispose() => runner.Dispose();
}
