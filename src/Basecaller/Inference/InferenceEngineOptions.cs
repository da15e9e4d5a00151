namespace Dipper.Basecaller.Inference;

/// <summary>How an engine should run, as far as the caller (not the model) decides.</summary>
public sealed record InferenceEngineOptions
{
    /// <summary>Threads one engine may use for one batch. The pipeline runs one engine per worker, so the
    /// machine's cores are usually better spent on more workers with one thread each.</summary>
    public int Threads { get; init; } = 1;

    /// <summary>Chunks per call when the model's batch dimension is dynamic (a static batch in the model wins).</summary>
    public int Batch { get; init; } = 32;
}
