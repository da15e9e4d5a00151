namespace Dipper.Tpu.Lite;

/// <summary>How an interpreter is built.</summary>
public sealed record TfliteInterpreterOptions
{
    /// <summary>CPU threads for TFLite's own kernels; the appliance's quad-core ARM does best with 2–4.</summary>
    public int Threads { get; init; } = 1;

    /// <summary>Delegates to apply, in order; they claim the nodes they can run and the CPU runs the rest.</summary>
    public IReadOnlyList<TfliteDelegate> Delegates { get; init; } = [];
}
