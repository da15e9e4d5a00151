using System.Text.Json.Serialization;

namespace Dipper.Basecaller.Models;

/// <summary>
/// How a model with dynamic pooling is run (docs/dynamic-pooling.md). The pooling depends on the whole read, so no engine
/// can run the model in one piece: the package holds the part before the pooling (<see cref="Before"/>: the manifest's
/// chunks of signal → per sample, the features and the two pooling logits) and the part after it (<see cref="After"/>:
/// windows of pooled frames → class scores), each a plain float ONNX model; the host pools between them with
/// <see cref="Scale"/>. Absent from the manifest of a model without pooling, which stays exactly as before.
/// </summary>
public sealed record PoolingSettings
{
    /// <summary>The scale r every move is multiplied by (the running mean that training's length control keeps).</summary>
    public required float Scale { get; init; }

    /// <summary>The mean move training holds the pooling to: 1/3 makes about one pooled frame per 3 samples (the manifest's stride).</summary>
    public required double MeanMove { get; init; }

    /// <summary>Feature channels pooled per frame (the part before pooling gives these plus the 2 logits per sample).</summary>
    public required int Features { get; init; }

    /// <summary>The part before the pooling: input [batch, 1, chunk samples], output [batch, chunk samples, <see cref="Features"/> + 2].</summary>
    public required PooledPart Before { get; init; }

    /// <summary>The part after the pooling: input [batch, window, <see cref="Features"/>] pooled frames, output [batch, window, classes].</summary>
    public required PooledPart After { get; init; }

    /// <summary>
    /// Pooled frames per window of the part after pooling, and the frames consecutive windows share (half trimmed from each
    /// inner edge when the class scores are stitched; at least the part's receptive field, so stitched scores equal the
    /// whole read's).
    /// </summary>
    public required ChunkSettings Window { get; init; }

    /// <summary>Why these settings cannot run, or null when they can.</summary>
    public string? Problem()
    {
        if (!(Scale > 0) || !float.IsFinite(Scale)) return $"pooling scale {Scale} must be positive";
        if (!(MeanMove > 0)) return $"pooling mean move {MeanMove} must be positive";
        if (Features < 1) return $"pooled features {Features} must be at least 1";
        if (Window.Problem(1) is { } problem) return "pooled windows: " + problem;
        if (Before.Tflite is not null || Before.TfliteEdgeTpu is not null)
            return $"the part before the pooling ({Before.Onnx}) runs on ONNX Runtime only; the manifest names a TFLite model for it";
        if (After.TfliteEdgeTpu is not null && After.Tflite is null)
            return $"the part after the pooling names an Edge TPU model ({After.TfliteEdgeTpu}) but no int8 TFLite model it was compiled from";
        return null;
    }
}

/// <summary>
/// One of the two networks of a pooled model: its float ONNX file (relative to the package) and tensor names, and, for the
/// part after the pooling of a package <c>dipper compile</c> wrote, its int8 TFLite model (and the Edge TPU model compiled
/// from it) with their tensors, as <see cref="ModelFiles"/> says them for a model without pooling. The TFLite fields are
/// absent (not written) otherwise, so a pooled package from <c>dipper pool</c> or <c>dipper train</c> reads and writes as
/// before.
/// </summary>
public sealed record PooledPart
{
    /// <summary>Float ONNX model, run by ONNX Runtime.</summary>
    public required string Onnx { get; init; }

    /// <summary>Input tensor name.</summary>
    public required string Input { get; init; }

    /// <summary>Output tensor name.</summary>
    public required string Output { get; init; }

    /// <summary>int8 TFLite model of the part, for the TFLite CPU engine and the Edge TPU, when the compiler made one.</summary>
    public string? Tflite { get; init; }

    /// <summary>The TFLite model's input: pooled frames [batch, window, features], its type and quantisation.</summary>
    public TfliteTensorInfo? TfliteInput { get; init; }

    /// <summary>The TFLite model's output: [batch, window, classes], its type and quantisation.</summary>
    public TfliteTensorInfo? TfliteOutput { get; init; }

    /// <summary>True when the TFLite output holds class scores and the engine applies the log-softmax (as <see cref="ModelFiles.TfliteOutputIsLogits"/>).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool TfliteOutputIsLogits { get; init; }

    /// <summary><see cref="Tflite"/> as edgetpu_compiler compiled it for the Edge TPU, when the compiler was available.</summary>
    public string? TfliteEdgeTpu { get; init; }
}
