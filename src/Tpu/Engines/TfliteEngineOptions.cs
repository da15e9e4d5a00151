namespace Dipper.Tpu.Engines;

/// <summary>Settings of the TFLite CPU engine.</summary>
public sealed record TfliteEngineOptions
{
    /// <summary>CPU threads TFLite may use for one invoke.</summary>
    public int Threads { get; init; } = 1;

    /// <summary>Chunks per <c>Infer</c> call; null for the model's own batch. Larger calls are split into several invokes.</summary>
    public int? MaxBatch { get; init; }
}
