using Dipper.Basecaller.Models;

namespace Dipper.Basecaller.Inference;

/// <summary>
/// The one place where an engine name ("auto", "onnx", "tflite", "edgetpu") becomes an
/// <see cref="IInferenceEngine"/>. Engines that live in other assemblies (the TFLite and Edge TPU
/// engines in Dipper.Tpu, which depends on this one) are added with <see cref="Register"/> by the
/// program that composes the appliance; a name with nothing registered is refused with a clear message.
/// </summary>
public sealed class EngineFactory
{
    /// <summary>The engine "auto" stands for the best engine that can run the package here.</summary>
    public const string Auto = "auto";

    /// <summary>
    /// Every engine name Dipper knows, best first: the order "auto" tries them in. ONNX Runtime comes before TFLite
    /// on the CPU because it runs the float model, faster and more accurately than TFLite runs the int8 one
    /// (bench/tflite: 453,721 against 36,361 samples/s); TFLite on the CPU is for packages without an ONNX model.
    /// </summary>
    public static IReadOnlyList<string> KnownEngines { get; } = ["edgetpu", "onnx", "tflite"];

    private readonly Dictionary<string, Registration> _engines = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>A factory with the engines built into Dipper.Basecaller (ONNX Runtime on the CPU).</summary>
    public static EngineFactory WithBuiltInEngines()
    {
        var factory = new EngineFactory();
        factory.Register("onnx",
            package => package.OnnxPath is null ? "the model package has no ONNX model" : null,
            (package, options) => new OnnxRuntimeEngine(package, options));
        return factory;
    }

    /// <summary>
    /// Adds an engine. <paramref name="unavailable"/> says why it cannot run a package here (no device,
    /// no file for it), or null when it can; "auto" skips engines that say why not.
    /// </summary>
    public void Register(string name, Func<ModelPackage, string?> unavailable, Func<ModelPackage, InferenceEngineOptions, IInferenceEngine> create)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        _engines[name] = new Registration(unavailable, create);
    }

    /// <summary>Engine names registered in this build.</summary>
    public IEnumerable<string> Available => KnownEngines.Where(_engines.ContainsKey).Concat(_engines.Keys.Except(KnownEngines, StringComparer.OrdinalIgnoreCase));

    /// <summary>The engine that <paramref name="requested"/> means for <paramref name="package"/>: "auto" resolved, others checked.</summary>
    /// <exception cref="EngineUnavailableException">The engine is not in this build, or cannot run the package.</exception>
    public string Resolve(string requested, ModelPackage package)
    {
        if (string.Equals(requested, Auto, StringComparison.OrdinalIgnoreCase))
        {
            var reasons = new List<string>();
            foreach (var name in Available)
            {
                var why = _engines[name].Unavailable(package);
                if (why is null) return name;
                reasons.Add($"{name}: {why}");
            }
            throw new EngineUnavailableException(Auto, $"no engine can run model '{package.Manifest.Name}' ({string.Join("; ", reasons)})");
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
    /// <exception cref="EngineUnavailableException">As for <see cref="Resolve"/>.</exception>
    public IInferenceEngine Create(string requested, ModelPackage package, InferenceEngineOptions options)
    {
        var name = Resolve(requested, package);
        return _engines[name].Create(package, options);
    }

    private sealed record Registration(Func<ModelPackage, string?> Unavailable, Func<ModelPackage, InferenceEngineOptions, IInferenceEngine> Create);
}
