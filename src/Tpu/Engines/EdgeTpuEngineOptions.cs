using Dipper.Tpu.EdgeTpu;

namespace Dipper.Tpu.Engines;

/// <summary>Settings of an Edge TPU engine (one per TPU).</summary>
public sealed record EdgeTpuEngineOptions
{
    /// <summary>Core clock; null for libedgetpu's default (Max, lowered to High by the std runtime on USB). Ignored when <see cref="PerformanceSetting"/> is given.</summary>
    public EdgeTpuPerformance? Performance { get; init; }

    /// <summary>
    /// A clock setting that may change while the engine runs (the thermal governor's); the engine recreates its
    /// delegate between batches when it does. Null for a fixed <see cref="Performance"/>.
    /// </summary>
    public EdgeTpuPerformanceSetting? PerformanceSetting { get; init; }

    /// <summary>USB bulk-in transfers kept queued (0–256); null for libedgetpu's default.</summary>
    public int? UsbMaxBulkInQueueLength { get; init; }

    /// <summary>CPU threads for any part of the model the compiler left off the TPU.</summary>
    public int Threads { get; init; } = 1;

    /// <summary>Chunks per <c>Infer</c> call; null for the model's batch (1 for Edge TPU models). Larger calls run several invokes.</summary>
    public int? MaxBatch { get; init; }

    /// <summary>
    /// The model's output holds class scores (the manifest's <c>tfliteOutputIsLogits</c>); the engine applies the
    /// log-softmax over each frame after dequantising, as the TFLite CPU engine does.
    /// </summary>
    public bool OutputIsLogits { get; init; }

    /// <summary>The performance level a delegate created now gets.</summary>
    public EdgeTpuPerformance? CurrentPerformance => PerformanceSetting is { } setting ? setting.Level : Performance;

    /// <summary>The options passed to libedgetpu for a delegate created now.</summary>
    public EdgeTpuDelegateOptions ToDelegateOptions() => ToDelegateOptions(CurrentPerformance);

    /// <summary>The options passed to libedgetpu for a delegate at <paramref name="performance"/>.</summary>
    public EdgeTpuDelegateOptions ToDelegateOptions(EdgeTpuPerformance? performance) => new()
    {
        Performance = performance,
        UsbMaxBulkInQueueLength = UsbMaxBulkInQueueLength,
    };
}
