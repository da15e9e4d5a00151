using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dipper.Basecaller.Models;

/// <summary>
/// Everything needed to run a base-calling model, read from <c>manifest.json</c> in a model package.
/// The compiler writes it and the appliance reads it, so chunking, scaling and decoding settings
/// travel with the weights instead of living in code as constants.
/// </summary>
public sealed record ModelManifest
{
    /// <summary>The manifest format this code reads and writes.</summary>
    public const string CurrentFormat = "dipper-model/1";

    /// <summary>Manifest format tag; a package from a newer compiler is refused rather than misread.</summary>
    public string Format { get; init; } = CurrentFormat;

    /// <summary>Model name shown in FASTQ headers (<c>model=</c>) and summaries.</summary>
    public required string Name { get; init; }

    /// <summary>Output classes in order; index <see cref="Blank"/> is the CTC blank (e.g. "NACGT", blank 0).</summary>
    public required string Alphabet { get; init; }

    /// <summary>Index of the CTC blank in <see cref="Alphabet"/>.</summary>
    public int Blank { get; init; }

    /// <summary>Input samples per output frame (the network's total downsampling).</summary>
    public required int Stride { get; init; }

    /// <summary>How reads are cut into fixed-length chunks for the network.</summary>
    public required ChunkSettings Chunk { get; init; }

    /// <summary>How raw samples are scaled before they enter the network.</summary>
    public required NormalisationSettings Normalisation { get; init; }

    /// <summary>Sample rates (Hz) the model was trained for; reads at other rates are refused.</summary>
    public required IReadOnlyList<double> SampleRates { get; init; }

    /// <summary>Pore chemistry and molecule type, e.g. "R9.4.1 DNA".</summary>
    public required string Chemistry { get; init; }

    /// <summary>The engine files the package holds and their tensor details.</summary>
    public required ModelFiles Files { get; init; }

    /// <summary>
    /// For a model with dynamic pooling: its two parts and the scale the host pools with (then <see cref="Stride"/> is the
    /// mean samples per pooled frame and <see cref="ModelFiles.Onnx"/> is absent). Null for every other model.
    /// </summary>
    public PoolingSettings? Pooling { get; init; }

    /// <summary>Where the model came from and what was done to it; free-form, kept for traceability.</summary>
    public Dictionary<string, JsonElement> Provenance { get; init; } = [];

    /// <summary>JSON settings shared by every reader and writer of manifests.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };
}

/// <summary>
/// Chunking of a read: windows of <see cref="Samples"/> samples, consecutive windows overlapping by
/// <see cref="Overlap"/> samples. Half of the overlap (in frames) is trimmed from each side when
/// chunks are stitched, so every output frame comes from the middle of some window.
/// </summary>
public sealed record ChunkSettings
{
    /// <summary>Samples per chunk (the network's fixed input length).</summary>
    public required int Samples { get; init; }

    /// <summary>Samples shared by consecutive chunks; the step between chunk starts is Samples − Overlap.</summary>
    public required int Overlap { get; init; }

    /// <summary>Chunks per network invocation that the exported model was built for; null when the batch is dynamic.</summary>
    public int? Batch { get; init; }

    /// <summary>Distance between consecutive chunk starts, in samples.</summary>
    [JsonIgnore]
    public int Step => Samples - Overlap;

    /// <summary>
    /// Why these settings cannot cut reads for a model of <paramref name="stride"/> samples per frame, or null when they
    /// can: every chunk must end on a frame, and half the overlap must be whole frames, trimmed from each side when
    /// chunks are stitched. The one home of these rules, for manifests and for <c>--chunk</c>/<c>--overlap</c> alike.
    /// </summary>
    public string? Problem(int stride)
    {
        if (Samples <= 0 || Samples % stride != 0) return $"chunk size {Samples} must be a positive multiple of the stride {stride}";
        if (Overlap < 0 || Overlap >= Samples) return $"overlap {Overlap} must be at least 0 and smaller than the chunk ({Samples})";
        if (Overlap % (2 * stride) != 0) return $"overlap {Overlap} must be a multiple of twice the stride ({2 * stride}) so it trims whole frames from both sides";
        return null;
    }
}

/// <summary>
/// One input or output tensor of a TFLite model, as the compiler wrote it, so the appliance can
/// check a model before it runs it and quantise the signal without opening the file.
/// </summary>
public sealed record TfliteTensorInfo
{
    /// <summary>Tensor name in the model.</summary>
    public required string Name { get; init; }

    /// <summary>Fixed dimensions, outermost first.</summary>
    public required IReadOnlyList<int> Shape { get; init; }

    /// <summary>Element type: "int8" or "float32".</summary>
    public required string Type { get; init; }

    /// <summary>Quantisation scale (real = Scale × (q − ZeroPoint)); null for float tensors.</summary>
    public double? Scale { get; init; }

    /// <summary>Quantisation zero point; null for float tensors.</summary>
    public int? ZeroPoint { get; init; }
}

/// <summary>The kinds of signal scaling a model may expect.</summary>
public enum NormalisationMethod
{
    /// <summary>(x − median) / (MadScale × MAD) over the whole read, on raw ADC counts, then clipped.</summary>
    MedianMad,
}

/// <summary>Signal scaling applied before the network.</summary>
public sealed record NormalisationSettings
{
    /// <summary>Which scaling.</summary>
    public NormalisationMethod Method { get; init; } = NormalisationMethod.MedianMad;

    /// <summary>Factor that makes the MAD a standard-deviation estimate (1.4826 for normal noise).</summary>
    public double MadScale { get; init; } = 1.4826;

    /// <summary>Normalised values are clipped to ±Clip; null for no clipping.</summary>
    public double? Clip { get; init; }
}

/// <summary>Engine files inside the package (paths relative to the package folder) and their I/O.</summary>
public sealed record ModelFiles
{
    /// <summary>Float ONNX model, run by ONNX Runtime on the CPU.</summary>
    public string? Onnx { get; init; }

    /// <summary>Input tensor name of the ONNX model; its layout is [batch, 1, samples].</summary>
    public string OnnxInput { get; init; } = "signal";

    /// <summary>Output tensor name of the ONNX model; log-probabilities [batch, frames, classes].</summary>
    public string OnnxOutput { get; init; } = "logprobs";

    /// <summary>int8 TFLite model for the TFLite CPU engine and the Edge TPU, when the compiler made one.</summary>
    public string? Tflite { get; init; }

    /// <summary>The TFLite model's input: normalised signal [batch, samples, 1], its type and quantisation.</summary>
    public TfliteTensorInfo? TfliteInput { get; init; }

    /// <summary>The TFLite model's output: [batch, frames, classes], its type and quantisation.</summary>
    public TfliteTensorInfo? TfliteOutput { get; init; }

    /// <summary>
    /// True when the TFLite output holds class scores and the engine must apply the log-softmax
    /// after dequantising (false or absent: it holds log-probabilities). Applying a log-softmax to
    /// log-probabilities changes nothing, so an engine may apply it either way.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool TfliteOutputIsLogits { get; init; }

    /// <summary>
    /// The int8 TFLite model as Google's edgetpu_compiler compiled it for the Edge TPU, when the
    /// compiler was available; the Edge TPU engine should prefer it to <see cref="Tflite"/>, which the
    /// Edge TPU delegate would leave to the CPU.
    /// </summary>
    public string? TfliteEdgeTpu { get; init; }

    /// <summary>int8 ONNX model in QDQ form (QuantizeLinear/DequantizeLinear around weights and activations), when the compiler made one.</summary>
    public string? OnnxInt8 { get; init; }

    /// <summary>SHA-256 (hex) of each file in the package, checked before a package is activated.</summary>
    public Dictionary<string, string> Sha256 { get; init; } = [];
}
