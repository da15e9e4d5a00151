using Dipper.Basecaller.Inference;
using Dipper.Basecaller.Models;
using Dipper.Tpu.Engines;
using Dipper.Tpu.Lite;

namespace Dipper.Device.Engines;

/// <summary>
/// Composes the engines the appliance can run: ONNX Runtime from Dipper.Basecaller, and the TFLite CPU
/// and Edge TPU engines from Dipper.Tpu (which depends on Basecaller, so Basecaller cannot name them).
/// Availability questions, and what "auto" means, go to <see cref="EngineSelection"/>, which checks the
/// package's files, the TFLite library and the Edge TPUs plugged in, and words the answer for an operator.
/// </summary>
public static class ApplianceEngines
{
    /// <summary>
    /// An engine factory with every engine this build has, for one command or service run. Edge TPU engines
    /// run the package's Edge TPU model (<c>tfliteEdgeTpu</c>, else <c>tflite</c>) at the clock of
    /// <paramref name="performance"/> when given (the service's thermal governor moves it), else libedgetpu's default.
    /// The engines this factory creates for several threads share one delegate per TPU. TFLite engines apply the
    /// log-softmax on the host when the manifest says the model ends at class scores (<c>tfliteOutputIsLogits</c>).
    /// </summary>
    public static EngineFactory CreateFactory(EdgeTpuProbeOptions? probe = null, Action<string>? log = null,
        EdgeTpuPerformanceSetting? performance = null)
    {
        var factory = EngineFactory.WithBuiltInEngines();
        factory.ChooseAutoWith(package => EngineSelection.ChooseAuto(package, probe));
        var tpus = new SharedEdgeTpus();
        factory.Register("tflite",
            package => Problem(EngineKind.Tflite, package, probe),
            (package, options) => TfliteEngine.FromFile(package.TflitePath!,
                new TfliteEngineOptions
                {
                    Threads = options.Threads, MaxBatch = options.Batch, OutputIsLogits = package.Manifest.Files.TfliteOutputIsLogits,
                }));
        factory.Register("edgetpu",
            package => EdgeTpuProblem(package, probe),
            (package, options) =>
            {
                var decision = EngineSelection.Choose(EngineKind.EdgeTpu, package, probe);
                if (!decision.Ok || decision.EdgeTpu is null)
                    throw new EngineUnavailableException("edgetpu", decision.Message);
                // A batch that no TPU can take (all pulled out) goes to ONNX Runtime on the CPU: the
                // TFLite model compiled for the Edge TPU cannot run on the CPU by itself.
                IInferenceEngine? fallback = package.OnnxPath is not null ? new OnnxRuntimeEngine(package, options) : null;
                return EdgeTpuFailover.Create(EngineSelection.EdgeTpuModelPath(package)!, decision.EdgeTpu.Devices,
                    new EdgeTpuEngineOptions
                    {
                        Threads = options.Threads, MaxBatch = options.Batch, PerformanceSetting = performance,
                        OutputIsLogits = package.Manifest.Files.TfliteOutputIsLogits,
                    }, fallback,
                    new FailoverOptions { Log = log }, tpus);
            });
        return factory;
    }

    private static string? EdgeTpuProblem(ModelPackage package, EdgeTpuProbeOptions? probe)
    {
        if (Problem(EngineKind.EdgeTpu, package, probe) is { } problem) return problem;
        // A model edgetpu_compiler did not compile runs wholly on the CPU through the delegate, under the Edge TPU's
        // name and slower than ONNX Runtime: "auto" must pass it by (EdgeTpuModelNotice says why at start).
        var path = EngineSelection.EdgeTpuModelPath(package)!;
        return TfliteModelFile.IsCompiledForEdgeTpu(path)
            ? null
            : $"the model package has no model compiled for the Edge TPU ({Path.GetFileName(path)} is not); " +
              "compile one with `dipper compile --target edgetpu` on a machine with edgetpu_compiler";
    }

    private static string? Problem(EngineKind kind, ModelPackage package, EdgeTpuProbeOptions? probe)
    {
        var decision = EngineSelection.Choose(kind, package, probe);
        return decision.Ok && decision.Kind == kind ? null : decision.Message;
    }
}
