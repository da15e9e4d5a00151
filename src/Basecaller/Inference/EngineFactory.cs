using Dipper.Basecaller.Models;

namespace Dipper.Basecaller.Inference;

/// <summary>
/// The one place where an engine name ("auto", "onnx", "tflite", "edgetpu") becomes an
/// <see cref="IInferenceEngine"/>. Engines that live in other assemblies (the TFLite and Edge TPU
/// engines in Dipper.Tpu, which depends on this one) are added with <see cref="Register"/> by the
/// program that composes the appliance; a name with nothing registered is refused with a clear message.
/// What "auto" means is not decided here: it needs the Edge TPUs and the TFLite library, which this assembly
/// cannot see, so the composing program hands in its one policy with <see cref="ChooseAutoWith"/>
/// (the appliance: Dipper.Tpu's <c>EngineSelection</c>). A factory without one has a single engine to offer.
/// </summary>
public sealed class EngineFactory
{
    /// <summary>The engine "auto" stands for the best engine that can run the package here.</summary>
    public const string Auto = "auto";

    /// <summary>
    /// Every engine name Dipper knows, in the order "auto" prefers them (the policy itself is handed in with
    /// <see cref="ChooseAutoWith"/>). "onnx-int8" runs a package's int8 ONNX model on ONNX Runtime's integer kernels: the
    /// fastest CPU path on x86-64 (docs/cpu-speed.md), asked for by name only, since its calls differ a little from the
    /// float model's.
    /// </summary>
    public static IReadOnlyList<string> KnownEngines { get; } = ["edgetpu", "onnx", "onnx-int8", "tflite"];

    private readonly Dictionary<string, Registration> _engines = new(StringComparer.OrdinalIgnoreCase);
    private Func<ModelPackage, string>? _chooseAuto;

    /// <summary>A factory with the engines built into Dipper.Basecaller (ONNX Runtime on the CPU).</summary>
    public static EngineFactory WithBuiltInEngines()
    {
        var factory = new EngineFactory();
        factory.Register("onnx",
            package => package.OnnxPath is null ? "the model package has no ONNX model" : null,
            (package, options) => new OnnxRuntimeEngine(package, options));
        factory.Register(OnnxRuntimeEngine.Int8Name,
            package => package.OnnxInt8Path is null ? "the model package has no int8 ONNX model (dipper compile --target cpu writes one)" : null,
            (package, options) => new OnnxRuntimeEngine(package.OnnxInt8Path!, package.Network, options, OnnxRuntimeEngine.Int8Name),
            chosenByAuto: false);
        return factory;
    }

    /// <summary>
    /// Adds an engine. <paramref name="unavailable"/> says why it cannot run a package here (no device,
    /// no file for it), or null when it can; "auto" skips engines that say why not.
    /// </summary>
    /// <param name="name">The engine's name (<c>--engine</c>).</param>
    /// <param name="unavailable">Why it cannot run a package here, or null.</param>
    /// <param name="create">Builds one instance.</param>
    /// <param name="chosenByAuto">False for an engine that runs only when asked for by name (onnx-int8, whose calls
    /// differ a little from the float model's): a factory without a policy then still has one engine for "auto".</param>
    public void Register(string name, Func<ModelPackage, string?> unavailable, Func<ModelPackage, InferenceEngineOptions, IInferenceEngine> create,
        bool chosenByAuto = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        _engines[name] = new Registration(unavailable, create, chosenByAuto);
    }

    /// <summary>
    /// Hands in what "auto" means: <paramref name="choose"/> names the engine for a package, or throws
    /// <see cref="EngineUnavailableException"/> saying why none can run it. Without it, "auto" is the one engine
    /// registered (a build with ONNX Runtime only) and is refused when there are several to choose from.
    /// </summary>
    public void ChooseAutoWith(Func<ModelPackage, string> choose)
    {
        ArgumentNullException.ThrowIfNull(choose);
        _chooseAuto = choose;
    }

    /// <summary>Engine names registered in this build.</summary>
    public IEnumerable<string> Available => KnownEngines.Where(_engines.ContainsKey).Concat(_engines.Keys.Except(KnownEngines, StringComparer.OrdinalIgnoreCase));

    /// <summary>The engine that <paramref name="requested"/> means for <paramref name="package"/>: "auto" resolved, others checked.</summary>
    /// <exception cref="EngineUnavailableException">The engine is not in this build, or cannot run the package.</exception>
    public string Resolve(string requested, ModelPackage package)
    {
        if (string.Equals(requested, Auto, StringComparison.OrdinalIgnoreCase))
        {
            if (_chooseAuto is not null)
            {
                var chosen = _chooseAuto(package);
                if (!_engines.ContainsKey(chosen))
                    throw new EngineUnavailableException(Auto, $"auto chose engine '{chosen}', which is not available in this build (available: {string.Join(", ", Available)})");
                return chosen.ToLowerInvariant();
            }
            var candidates = _engines.Where(e => e.Value.ChosenByAuto).Select(e => e.Key).ToList();
            if (candidates.Count != 1)
                throw new InvalidOperationException($"engines {string.Join(", ", candidates)} are registered but nothing says which one auto means; call {nameof(ChooseAutoWith)}");
            var only = candidates[0];
            if (_engines[only].Unavailable(package) is { } why)
                throw new EngineUnavailableException(Auto, $"no engine can run model '{package.Manifest.Name}' ({only}: {why})");
            return only.ToLowerInvariant();
        }
        if (!_engines.TryGetValue(requested, out var registration))
        {
            var known = KnownEngines.Contains(requested, StringComparer.OrdinalIgnoreCase);
            throw new EngineUnavailableException(requested, known
                ? $"engine '{requested}' is not available in this build (available: {string.Join(", ", Available)})"
                : $"unknown engine '{requested}' (known: {Auto}, {string.Join(", ", KnownEngines)})");
        }
        if (registration.Unavailable(package) is { } reason)
            throw new EngineUnavailableException(requested, $"engine '{requested}' cannot run model '{package.Manifest.Name}': {reason}");
        return requested.ToLowerInvariant();
    }

    /// <summary>Creates one engine instance (one per pipeline worker).</summary>
    /// <exception cref="EngineUnavailableException">As for <see cref="Resolve"/>; or the engine's model takes chunks of a fixed
    /// length other than the package's (a <c>--chunk</c> that only a model with a dynamic input length can follow).</exception>
    public IInferenceEngine Create(string requested, ModelPackage package, InferenceEngineOptions options)
    {
        var name = Resolve(requested, package);
        var engine = _engines[name].Create(package, options);
        if (engine.ChunkSamples != package.Manifest.Chunk.Samples)
        {
            var fixedLength = engine.ChunkSamples;
            engine.Dispose();
            throw new EngineUnavailableException(name,
                $"engine '{name}' runs chunks of {fixedLength} samples only (its model's input length is fixed), not {package.Manifest.Chunk.Samples}; " +
                "keep the model's chunk length or use an engine whose model takes any length (onnx)");
        }
        return engine;
    }

    private sealed record Registration(Func<ModelPackage, string?> Unavailable, Func<ModelPackage, InferenceEngineOptions, IInferenceEngine> Create, bool ChosenByAuto);
}
