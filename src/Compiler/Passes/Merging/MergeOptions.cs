namespace Dipper.Compiler.Passes.Merging;

/// <summary>How <see cref="NetworkMerge"/> runs: the refit's damping and how the calibration chunks are batched.</summary>
public sealed record MergeOptions
{
    /// <summary>Default number of calibration chunks: enough frames for the widest refit (the 80×7-input convolution) many times over.</summary>
    public const int DefaultCalibrationChunks = 64;

    /// <summary>
    /// Default λ of the refit as a fraction of mean(diag XᵀX): tiny, because a merge of a network with itself must give
    /// the network back (1e-5 moved the default model's log-probabilities by 0.07 over its 33 refitted layers, 1e-8 by
    /// under 0.001), yet enough to keep the solve defined when kept channels are collinear.
    /// </summary>
    public const double DefaultRidge = 1e-8;

    /// <summary>λ of the refit as a fraction of mean(diag XᵀX).</summary>
    public double Ridge { get; init; } = DefaultRidge;

    /// <summary>Chunks per forward pass.</summary>
    public int Batch { get; init; } = 8;

    /// <summary>Threads (batches run in parallel).</summary>
    public int Threads { get; init; } = 1;
}
