using Dipper.Basecaller.Inference;
using Dipper.Basecaller.Models;
using Dipper.Tpu.Lite;
using Dipper.Tpu.Native;

namespace Dipper.Tpu.Engines;

/// <summary>
/// Decides which engine <c>dipperd basecall --engine</c> uses. <c>edgetpu</c>, <c>tflite</c> and <c>onnx</c> either
/// run or fail at once with a message saying what to check; <c>auto</c> takes the Edge TPU when a TPU is usable
/// and the package's TFLite model is compiled for it, else ONNX Runtime on the CPU (faster and more accurate there
/// than the int8 TFLite model), else TFLite on the CPU when the package has no ONNX model, and says which and why.
/// This is the one "auto" policy: the appliance's <see cref="EngineFactory"/> is handed <see cref="ChooseAuto"/>.
/// </summary>
public static class EngineSelection
{
    /// <summary>
    /// What "auto" means for <paramref name="package"/> here, as the <see cref="EngineFactory"/> engine name
    /// (for <see cref="EngineFactory.ChooseAutoWith"/>).
    /// </summary>
    /// <exception cref="EngineUnavailableException">No engine can run the package; the message says why for each.</exception>
    public static string ChooseAuto(ModelPackage package, EdgeTpuProbeOptions? probe = null) =>
        FactoryName(Choose(EngineKind.Auto, package, probe));

    /// <summary>The factory's name for a decision's engine, or the decision's message as an error when it cannot run.</summary>
    /// <exception cref="EngineUnavailableException">The decision is not <see cref="EngineDecision.Ok"/>.</exception>
    internal static string FactoryName(EngineDecision decision)
    {
        if (!decision.Ok) throw new EngineUnavailableException(EngineFactory.Auto, decision.Message);
        return decision.Kind switch
        {
            EngineKind.EdgeTpu => "edgetpu",
            EngineKind.Tflite => "tflite",
            EngineKind.Onnx => "onnx",
            var other => throw new ArgumentOutOfRangeException(nameof(decision), other, "a decision names one engine"),
        };
    }

    /// <summary>Chooses for a model package.</summary>
    public static EngineDecision Choose(EngineKind requested, ModelPackage package, EdgeTpuProbeOptions? probe = null) =>
        Choose(requested, package.TflitePath, package.OnnxPath, () => EdgeTpuProbe.Run(probe),
            () => NativeLibraries.Locate(NativeLibraries.TfLite, probe?.Libraries), package.TfliteEdgeTpuPath);

    /// <summary>
    /// The model the Edge TPU engine runs: the one edgetpu_compiler compiled (<c>tfliteEdgeTpu</c>) when the package
    /// has it, since the delegate leaves an uncompiled model entirely to the CPU; else <c>tflite</c>.
    /// </summary>
    public static string? EdgeTpuModelPath(ModelPackage package) => package.TfliteEdgeTpuPath ?? package.TflitePath;

    /// <summary>
    /// Chooses from the package's model files, with the probes injectable for tests. The Edge TPU is judged on
    /// <paramref name="edgeTpuPath"/> when given (the compiled model), the CPU engine on <paramref name="tflitePath"/>.
    /// </summary>
    internal static EngineDecision Choose(EngineKind requested, string? tflitePath, string? onnxPath,
        Func<EdgeTpuAvailability> probeEdgeTpu, Func<NativeLibraryLocation> locateTflite, string? edgeTpuPath = null)
    {
        if (edgeTpuPath is not null && requested is EngineKind.EdgeTpu or EngineKind.Auto)
        {
            var forTpu = Choose(requested, edgeTpuPath, onnxPath, probeEdgeTpu, locateTflite);
            // Auto falls back from the compiled model to the CPU one (which the compiled model cannot be).
            if (requested == EngineKind.EdgeTpu || forTpu.Kind == EngineKind.EdgeTpu || tflitePath is null) return forTpu;
            var forCpu = Choose(requested, tflitePath, onnxPath, () => forTpu.EdgeTpu ?? probeEdgeTpu(), locateTflite);
            return forTpu.EdgeTpu?.Problem is { } tpuProblem && forCpu.Ok
                ? forCpu with { Message = $"{forCpu.Message}; {Path.GetFileName(edgeTpuPath)} not used: {tpuProblem}", EdgeTpu = forTpu.EdgeTpu }
                : forCpu;
        }

        bool? compiled = null;
        string? tfliteModelProblem = null;
        if (tflitePath is not null)
        {
            try
            {
                compiled = TfliteModelFile.IsCompiledForEdgeTpu(tflitePath);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
            {
                tfliteModelProblem = e.Message;
            }
        }

        switch (requested)
        {
            case EngineKind.EdgeTpu:
            {
                if (tflitePath is null) return Fail(EngineKind.EdgeTpu, "Edge TPU requested, but the model package has no TFLite model for it.");
                if (tfliteModelProblem is not null) return Fail(EngineKind.EdgeTpu, $"Edge TPU requested, but {tfliteModelProblem}");
                var tpu = probeEdgeTpu();
                if (!tpu.Usable) return new EngineDecision(EngineKind.EdgeTpu, false, tpu.Problem!, tpu);
                return new EngineDecision(EngineKind.EdgeTpu, true, EdgeTpuChosen(tpu, compiled == true, "requested"), tpu);
            }
            case EngineKind.Tflite:
            {
                if (TfliteProblem(tflitePath, compiled, tfliteModelProblem, locateTflite) is { } problem)
                    return Fail(EngineKind.Tflite, $"TFLite requested, but {problem}");
                return new EngineDecision(EngineKind.Tflite, true, $"engine: tflite (requested; {Path.GetFileName(tflitePath)} on the CPU)", null);
            }
            case EngineKind.Onnx:
                return onnxPath is null
                    ? Fail(EngineKind.Onnx, "ONNX requested, but the model package has no ONNX model.")
                    : new EngineDecision(EngineKind.Onnx, true, "engine: onnx (requested)", null);
        }

        // Auto.
        var reasons = new List<string>();
        EdgeTpuAvailability? probe = null;
        if (tflitePath is null) reasons.Add("no Edge TPU model in the package");
        else if (tfliteModelProblem is not null) reasons.Add(tfliteModelProblem);
        else if (compiled != true) reasons.Add($"{Path.GetFileName(tflitePath)} is not compiled for the Edge TPU");
        else
        {
            probe = probeEdgeTpu();
            if (probe.Usable) return new EngineDecision(EngineKind.EdgeTpu, true, EdgeTpuChosen(probe, true, "auto"), probe);
            reasons.Add(probe.Problem!);
        }
        // Off the Edge TPU, ONNX Runtime runs the float model: bench/tflite measured it at 453,721 samples/s against
        // 36,361 for the int8 TFLite model on the CPU (x86-64, 2 threads), and the float model is the more accurate.
        if (onnxPath is not null) return new EngineDecision(EngineKind.Onnx, true, $"engine: onnx (auto; {string.Join(" ", reasons)})", probe);
        if (TfliteProblem(tflitePath, compiled, tfliteModelProblem, locateTflite) is { } tfliteProblem) reasons.Add($"TFLite: {tfliteProblem}");
        else return new EngineDecision(EngineKind.Tflite, true, $"engine: tflite (auto; {string.Join(" ", reasons)}; the package has no ONNX model)", probe);
        return new EngineDecision(EngineKind.Auto, false, $"No engine can run this model package: {string.Join(" ", reasons)} The package has no ONNX model either.", probe);
    }

    private static string? TfliteProblem(string? tflitePath, bool? compiled, string? modelProblem, Func<NativeLibraryLocation> locate)
    {
        if (tflitePath is null) return "the model package has no TFLite model.";
        if (modelProblem is not null) return modelProblem;
        if (compiled == true) return $"{Path.GetFileName(tflitePath)} is compiled for the Edge TPU and cannot run on the CPU alone.";
        var library = locate();
        return library.Found ? null : $"libtensorflowlite_c.so could not be loaded. {TfliteRuntime.InstallAdvice}";
    }

    private static string EdgeTpuChosen(EdgeTpuAvailability tpu, bool compiled, string why)
    {
        var text = $"engine: edgetpu ({why}; {tpu.Devices.Count} Edge TPU{(tpu.Devices.Count == 1 ? "" : "s")}: {string.Join(", ", tpu.Devices)}; TFLite {tpu.TfliteVersion})";
        if (!compiled) text += "; warning: the TFLite model is not compiled for the Edge TPU, so the TPU will run none of it";
        if (tpu.Versions is { Agreement: not EdgeTpu.VersionAgreement.Match } v) text += $"; {v.Message}";
        return text;
    }

    private static EngineDecision Fail(EngineKind kind, string message) => new(kind, false, message, null);
}
