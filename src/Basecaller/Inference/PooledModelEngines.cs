using Dipper.Basecaller.Models;

namespace Dipper.Basecaller.Inference;

/// <summary>
/// The engines that run a model with dynamic pooling (<see cref="ModelManifest.Pooling"/>): for each pipeline worker one
/// ONNX Runtime engine for the part before the pooling and one for the part after it. ONNX Runtime only: the parts have
/// no TFLite or Edge TPU models yet. Owns and disposes the engines.
/// </summary>
public sealed class PooledModelEngines : IDisposable
{
    private readonly List<IInferenceEngine> _before = [];
    private readonly List<IInferenceEngine> _after = [];

    private PooledModelEngines()
    {
    }

    /// <summary>The engine name the pooled parts run on.</summary>
    public const string EngineName = "onnx";

    /// <summary>
    /// Why a pooled model runs on ONNX Runtime whatever engine was asked for, in an operator's words: said by
    /// <c>dipperd basecall</c> when it refuses another engine and by the appliance service when it overrides its engine
    /// setting, so both say the same thing.
    /// </summary>
    public static string OnnxRuntimeOnly(ModelManifest manifest) =>
        $"model '{manifest.Name}' pools dynamically: its two parts run on ONNX Runtime only (they have no TFLite or Edge TPU models yet), " +
        "the pooling on the host between them";

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
    /// <exception cref="ArgumentException">The package has no dynamic pooling.</exception>
    /// <exception cref="InferenceException">ONNX Runtime cannot load a part, or its tensors are not what the manifest says.</exception>
    public static PooledModelEngines Create(ModelPackage package, int workers, int? batch = null)
    {
        var manifest = package.Manifest;
        if (manifest.Pooling is null) throw new ArgumentException($"model '{manifest.Name}' has no dynamic pooling", nameof(package));
        var before = NetworkTensors.BeforePooling(manifest);
        var after = NetworkTensors.AfterPooling(manifest);
        var engines = new PooledModelEngines();
        try
        {
            for (var i = 0; i < Math.Max(1, workers); i++)
            {
                engines._before.Add(new OnnxRuntimeEngine(package.BeforePoolingPath!, before,
                    new InferenceEngineOptions { Threads = 1, Batch = batch ?? InferenceEngineOptions.BatchFor(before.OutputFrames * before.Classes) }));
                engines._after.Add(new OnnxRuntimeEngine(package.AfterPoolingPath!, after,
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
