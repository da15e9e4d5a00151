using Dipper.Basecaller.Models;

namespace Dipper.Basecaller.Inference;

/// <summary>
/// The engines that run a model with dynamic pooling (<see cref="ModelManifest.Pooling"/>): for each pipeline worker one
/// ONNX Runtime engine for the part before the pooling (one convolution at every sample and a 1×1 head: cheap on a CPU,
/// float because the pooling needs float positions) and one engine for the part after it, chosen by the engine factory as
/// for a model without pooling (<see cref="ModelPackage.AfterPoolingPart"/>): ONNX Runtime, or the int8 TFLite model on
/// the CPU or the Edge TPU when <c>dipper compile</c> gave the package one. Owns and disposes the engines.
/// </summary>
public sealed class PooledModelEngines : IDisposable
{
    private readonly List<IInferenceEngine> _before = [];
    private readonly List<IInferenceEngine> _after = [];

    private PooledModelEngines(string afterPoolingEngine)
    {
        AfterPoolingEngine = afterPoolingEngine;
    }

    /// <summary>The engine the part before the pooling runs on, always.</summary>
    public const string EngineName = "onnx";

    /// <summary>
    /// Why a pooled model without a TFLite part runs on ONNX Runtime whatever engine was asked for, in an operator's words:
    /// said by <c>dipperd basecall</c> when it refuses another engine and by the appliance service when it overrides its
    /// engine setting, so both say the same thing. True only of a package whose part after the pooling has no TFLite model
    /// (<see cref="RunsOnOnnxRuntimeOnly"/>).
    /// </summary>
    public static string OnnxRuntimeOnly(ModelManifest manifest) =>
        $"model '{manifest.Name}' pools dynamically: its two parts run on ONNX Runtime only (its part after the pooling has no " +
        "TFLite or Edge TPU model: `dipper compile` makes one), the pooling on the host between them";

    /// <summary>True when the package pools and its part after the pooling has no TFLite model, so both parts run on ONNX Runtime.</summary>
    public static bool RunsOnOnnxRuntimeOnly(ModelPackage package) => package.AfterPoolingPart is { TflitePath: null };

    /// <summary>The engine the part after the pooling runs on ("onnx", "tflite", "edgetpu"), as the factory resolved it.</summary>
    public string AfterPoolingEngine { get; }

    /// <summary>Both parts' engines in one name for logs and summaries: "onnx", or "onnx+tflite", "onnx+edgetpu".</summary>
    public string Name => AfterPoolingEngine == EngineName ? EngineName : $"{EngineName}+{AfterPoolingEngine}";

    /// <summary>Engines of the part before the pooling (signal chunks → features and pooling logits).</summary>
    public IReadOnlyList<IInferenceEngine> BeforePooling => _before;

    /// <summary>Engines of the part after the pooling (windows of pooled frames → class scores).</summary>
    public IReadOnlyList<IInferenceEngine> AfterPooling => _after;

    /// <summary>
    /// Loads <paramref name="workers"/> engines per part, each of one thread. Without <paramref name="batch"/>: the part after
    /// the pooling batches as the whole model of a plain package would (<see cref="InferenceEngineOptions.BatchFor"/> the
    /// manifest's chunk samples: a window of pooled frames costs what a chunk's frames cost there); the part before it, which
    /// computes little (one convolution of the signal and the 1×1 head) but gives features + 2 values per sample, batches
    /// by its output, as many chunks as give <see cref="InferenceEngineOptions.SamplesPerCall"/> values, so its batches do
    /// not hold tens of megabytes each.
    /// </summary>
    /// <param name="package">A pooled package.</param>
    /// <param name="workers">Engines per part.</param>
    /// <param name="batch">Chunks (windows) per call; null for the defaults above.</param>
    /// <param name="factory">Creates the part after the pooling's engines (the appliance's, with TFLite and the Edge TPU);
    /// null for ONNX Runtime alone.</param>
    /// <param name="requested">The engine asked for the part after the pooling ("auto" as the factory's policy says).</param>
    /// <exception cref="ArgumentException">The package has no dynamic pooling.</exception>
    /// <exception cref="EngineUnavailableException">The engine asked for cannot run the part after the pooling here.</exception>
    /// <exception cref="InferenceException">An engine cannot load its part, or its tensors are not what the manifest says.</exception>
    public static PooledModelEngines Create(ModelPackage package, int workers, int? batch = null, EngineFactory? factory = null,
        string requested = EngineFactory.Auto)
    {
        var manifest = package.Manifest;
        if (manifest.Pooling is null) throw new ArgumentException($"model '{manifest.Name}' has no dynamic pooling", nameof(package));
        factory ??= EngineFactory.WithBuiltInEngines();
        var part = package.AfterPoolingPart!;
        var before = NetworkTensors.BeforePooling(manifest);
        var engines = new PooledModelEngines(factory.Resolve(requested, part));
        try
        {
            for (var i = 0; i < Math.Max(1, workers); i++)
            {
                engines._before.Add(new OnnxRuntimeEngine(package.BeforePoolingPath!, before,
                    new InferenceEngineOptions { Threads = 1, Batch = batch ?? InferenceEngineOptions.BatchFor(before.OutputFrames * before.Classes) }));
                engines._after.Add(factory.Create(engines.AfterPoolingEngine, part,
                    new InferenceEngineOptions { Threads = 1, Batch = batch ?? InferenceEngineOptions.BatchFor(manifest.Chunk.Samples) }));
            }
            return engines;
        }
        catch
        {
            engines.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var engine in _before.Concat(_after)) engine.Dispose();
        _before.Clear();
        _after.Clear();
    }
}
