namespace Dipper.Compiler.Passes.Compression;

/// <summary>
/// Settings of <see cref="DoubleSparseFactorization"/>; the defaults are the reference's
/// (<c>doublesparse.py</c> <c>factorize</c> as called by <c>llama.py</c>).
/// </summary>
public sealed record DsfOptions
{
    /// <summary>
    /// Share of the square factor in the layer's nonzero budget, as a fraction of r² (r = min(d_out, d_in)).
    /// Null: 0.16 for a square layer, 0.25 otherwise. The reference's <c>--extra</c> rows use max(0.05, (1−s)/2),
    /// which is better at 80 %.
    /// </summary>
    public double? SquareFactorShare { get; init; }

    /// <summary>Alternations of the first phase (diagonal-H weighting).</summary>
    public int Alternations { get; init; } = 40;

    /// <summary>Whether the outer factor is re-fitted on the full H at the end (the reference's <c>finalize</c>).</summary>
    public bool Refit { get; init; } = true;

    /// <summary>ADMM iterations of the refit.</summary>
    public int RefitIterations { get; init; } = 20;
}
