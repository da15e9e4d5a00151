using Dipper.Tpu.EdgeTpu;

namespace Dipper.Tpu.Engines;

/// <summary>Settings of an Edge TPU engine (one per TPU).</summary>
public sealed record EdgeTpuEngineOptions
{
    /// <summary>Core clock; null for libedgetpu's default (Max, lowered to High by the std runtime on USB).</summary>
    public EdgeTpuPerformance? Performance { get; init; }

    /// <summary>USB bulk-in transfers kept queued (0–256); null for libedgetpu's default.</summary>
    public int? UsbMaxBulkInQueueLength { get; init; }

    /// <summary>CPU threads for any part of the model the compiler left off the TPU.</summary>
    public int Threads { get; init; } = 1;

    /// <summary>Chunks per <c>Infer</c> call; null for the model's batch (1 for Edge TPU models). Larger calls run several invokes.</summary>
    public int? MaxBatch { get; init; }

    /// <summary>The options passed to libedgetpu.</summary>
    public EdgeTpuDelegateOptions ToDelegateOptions() => new()
    {
        Performance = Performance,
        UsbMaxBulkInQueueLength = UsbMaxBulkInQueueLength,
    };
}
