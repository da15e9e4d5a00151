using Dipper.Basecaller.Inference;
using Dipper.Basecaller.Models;
using Dipper.Compiler.Verification;
using Dipper.Tpu.Engines;

namespace Dipper.Bench.Engines;

/// <summary>
/// The engines that run each model of one compiled package: float and int8 QDQ ONNX through ONNX
/// Runtime, int8 and float TFLite through the TFLite CPU engine, each with one thread and the same batch.
/// </summary>
internal sealed class PackageEngines
{
    /// <summary>The float TFLite file <c>dipper compile</c> writes beside the int8 one.</summary>
    private const string FloatTfliteFile = "model_float.tflite";

    private readonly ModelPackage package;
    private readonly ModelPackage? int8OnnxPackage;
    private readonly int batch;

    public PackageEngines(ModelPackage package, string scratch, int batch)
    {
        this.package = package;
        this.batch = batch;
        if (package.Manifest.Files.OnnxInt8 is { } int8)
        {
            // ONNX Runtime's engine takes a package: a scratch one names the int8 file as its ONNX model.
            var folder = Directory.CreateDirectory(Path.Combine(scratch, "int8-onnx-package")).FullName;
            ModelPackage.WriteManifest(folder, package.Manifest with { Files = new ModelFiles { Onnx = Path.Combine(package.Directory, int8) } });
            int8OnnxPackage = ModelPackage.Load(folder);
        }
    }

    private string FloatTflitePath => Path.Combine(package.Directory, FloatTfliteFile);

    public bool Has(string model) => Why(model) is null;

    /// <summary>Why the package cannot run <paramref name="model"/>, or null when it can.</summary>
    public string? Why(string model) => model switch
    {
        "onnx-float" => package.OnnxPath is null ? "no ONNX model" : null,
        "onnx-int8" => int8OnnxPackage is null ? "no int8 QDQ ONNX model" : null,
        "tflite-int8" => package.TflitePath is null ? "no int8 TFLite model" : null,
        "tflite-float" => File.Exists(FloatTflitePath) ? null : $"no {FloatTfliteFile}",
        _ => "unknown model (onnx-float, onnx-int8, tflite-int8, tflite-float)",
    };

    public IInferenceEngine Create(string model) => model switch
    {
        "onnx-float" => new OnnxRuntimeEngine(package, new InferenceEngineOptions { Threads = 1, Batch = batch }),
        "onnx-int8" => new OnnxRuntimeEngine(int8OnnxPackage!, new InferenceEngineOptions { Threads = 1, Batch = batch }),
        "tflite-int8" => Tflite(package.TflitePath!),
        "tflite-float" => Tflite(FloatTflitePath),
        _ => throw new ArgumentException($"unknown model {model}", nameof(model)),
    };

    private IInferenceEngine Tflite(string path)
    {
        var engine = TfliteEngine.FromFile(path, new TfliteEngineOptions { Threads = 1, MaxBatch = batch });
        // A package compiled with --host-log-softmax has class scores, not log-probabilities, at the output.
        return package.Manifest.Files.TfliteOutputIsLogits ? new LogSoftmaxEngine(engine) : engine;
    }
}
