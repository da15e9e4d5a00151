namespace Dipper.Tpu.Engines;

/// <summary>Settings of the TFLite CPU engine.</summary>
public sealed record TfliteEngineOptions
{
    /// <summary>CPU threads TFLite may use for one invoke.</summary>
    public int Threads { get; init; } = 1;

    /// <summary>Chunks per <c>Infer</c> call; null for the model's own batch. Larger calls are split into several invokes.</summary>
    public int? MaxBatch { get; init; }

    /// <summary>
    /// The model's output holds class scores, not log-probabilities (a package compiled with
    /// <c>--host-log-softmax</c>: its manifest's <c>tfliteOutputIsLogits</c>); the engine applies the log-softmax
    /// over each frame after dequantising, so qualities and beam scores read true log-probabilities.
    /// </summary>
    public bool OutputIsLogits { get; init; }

    /// <summary>
    /// Run the model on XNNPACK's kernels (TFLite's XNNPACK delegate, int8 operators included) instead of TFLite's
    /// built-in ones, with <see cref="Threads"/> threads. Operators XNNPACK does not support stay on the built-in kernels.
    /// Off by default: on the bundled model XNNPACK measured 1.7–9× faster than the built-in kernels but slower than ONNX
    /// Runtime, dipperd's CPU engine, so nothing in dipperd turns it on yet (docs/cpu-speed.md §5, bench/xnnpack).
    /// </summary>
    public bool XnnPack { get; init; }
}
