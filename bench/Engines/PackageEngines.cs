using Dipper.Basecaller.Inference;
using Dipper.Basecaller.Models;
using Dipper.Tpu.Engines;

namespace Dipper.Bench.Engines;

/// <summary>
/// The engines that run each model of one compiled package: float and int8 QDQ ONNX through ONNX
/// Runtime, int8 and float TFLite through the TFLite CPU engine, each with the same threads and batch.
/// </summary>
internal sealed class PackageEngines
{
    /// <summary>The float TFLite file <c>dipper compile</c> writes beside the int8 one.</summary>
    private const string FloatTfliteFile = "model_float.tflite";

    private readonly ModelPackage package;
    private readonly string? int8OnnxPath;
    private readonly int batch;
    private readonly int threads;

    public PackageEngines(ModelPackage package, int batch, int threads = 1)
    {
        this.package = package;
        this.batch = batch;
        this.threads = threads;
        if (package.Manifest.Files.OnnxInt8 is { } int8) int8OnnxPath = Path.Combine(package.Directory, int8);
    }

    private string FloatTflitePath => Path.Combine(package.Directory, FloatTfliteFile);

    public bool Has(string model) => Why(model) is null;

    /// <summary>Why the package cannot run <paramref name="model"/>, or null when it can.</summary>
    public string? Why(string model) => model switch
    {
        "onnx-float" => package.OnnxPath is null ? "no ONNX model" : null,
        "onnx-int8" => int8OnnxPath is null ? "no int8 QDQ ONNX model" : null,
        "tflite-int8" => package.TflitePath is null ? "no int8 TFLite model" : null,
        "tflite-float" => File.Exists(FloatTflitePath) ? null : $"no {FloatTfliteFile}",
        _ => "unknown model (onnx-float, onnx-int8, tflite-int8, tflite-float)",
    };

    public IInferenceEngine Create(string model) => model switch
    {
        "onnx-float" => new OnnxRuntimeEngine(package, new InferenceEngineOptions { Threads = threads, Batch = batch }),
        "onnx-int8" => new OnnxRuntimeEngine(int8OnnxPath!, package.Manifest, new InferenceEngineOptions { Threads = threads, Batch = batch }),
        "tflite-int8" => Tflite(package.TflitePath!),
        "tflite-float" => Tflite(FloatTflitePath),
        _ => throw new ArgumentException($"unknown model {model}", nameof(model)),
    };

    private IInferenceEngine Tflite(string path)
    {
        // A package compiled with --host-log-softmax has class scores at the output: the engine applies the log-softmax.
        return TfliteEngine.FromFile(path, new TfliteEngineOptions
        {
            Threads = threads, MaxBatch = batch, OutputIsLogits = package.Manifest.Files.TfliteOutputIsLogits,
        });
    }
}
