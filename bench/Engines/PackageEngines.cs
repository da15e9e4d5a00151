using Dipper.Basecaller.Inference;
using Dipper.Basecaller.Models;
using Dipper.Tpu.Engines;
using Dipper.Tpu.Lite;

namespace Dipper.Bench.Engines;

/// <summary>
/// The engines that run each model of one compiled package: float and int8 QDQ ONNX through ONNX
/// Runtime, int8 and float TFLite through the TFLite CPU engine (on its built-in kernels, or with the
/// <c>-xnnpack</c> suffix on XNNPACK's; <c>-xnnpack-dw25</c> with the depthwise kernels padded to XNNPACK's 25-tap tile,
/// <see cref="DepthwiseTapPadding"/>), each with the same threads and batch.
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
        "onnx-int8" or "onnx-int8-ort" => int8OnnxPath is null ? "no int8 QDQ ONNX model" : null,
        "tflite-int8" => package.TflitePath is null ? "no int8 TFLite model" : null,
        "tflite-float" => File.Exists(FloatTflitePath) ? null : $"no {FloatTfliteFile}",
        "tflite-int8-xnnpack" or "tflite-float-xnnpack" => Why(model[..^"-xnnpack".Length]),
        "tflite-int8-xnnpack-dw25" or "tflite-float-xnnpack-dw25" => Why(model[..^"-xnnpack-dw25".Length]),
        _ => "unknown model (onnx-float, onnx-int8, onnx-int8-ort, tflite-int8, tflite-float, and either TFLite model with -xnnpack or -xnnpack-dw25)",
    };

    public IInferenceEngine Create(string model) => model switch
    {
        "onnx-float" => new OnnxRuntimeEngine(package, new InferenceEngineOptions { Threads = threads, Batch = batch }),
        "onnx-int8" => new OnnxRuntimeEngine(int8OnnxPath!, package.Manifest, new InferenceEngineOptions { Threads = threads, Batch = batch }),
        // The same model on ONNX Runtime's own kernels only (its depthwise layers not on Dipper's): the library's baseline.
        "onnx-int8-ort" => new OnnxRuntimeEngine(int8OnnxPath!, package.Manifest, new InferenceEngineOptions { Threads = threads, Batch = batch, DepthwiseKernel = false }),
        "tflite-int8" => Tflite(package.TflitePath!, xnnPack: false),
        "tflite-float" => Tflite(FloatTflitePath, xnnPack: false),
        "tflite-int8-xnnpack" => Tflite(package.TflitePath!, xnnPack: true),
        "tflite-float-xnnpack" => Tflite(FloatTflitePath, xnnPack: true),
        "tflite-int8-xnnpack-dw25" => Tflite(package.TflitePath!, xnnPack: true, padDepthwise: true),
        "tflite-float-xnnpack-dw25" => Tflite(FloatTflitePath, xnnPack: true, padDepthwise: true),
        _ => throw new ArgumentException($"unknown model {model}", nameof(model)),
    };

    private IInferenceEngine Tflite(string path, bool xnnPack, bool padDepthwise = false)
    {
        var bytes = File.ReadAllBytes(path);
        using var model = TfliteModel.FromBytes(padDepthwise ? DepthwiseTapPadding.Apply(bytes) : bytes, path);
        // A package compiled with --host-log-softmax has class scores at the output: the engine applies the log-softmax.
        return new TfliteEngine(model, new TfliteEngineOptions
        {
            Threads = threads, MaxBatch = batch, OutputIsLogits = package.Manifest.Files.TfliteOutputIsLogits, XnnPack = xnnPack,
        });
    }
}
