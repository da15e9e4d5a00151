namespace Dipper.Compiler.Passes.Compression;

/// <summary>How ADMM pruning re-selects its mask during the first iterations.</summary>
public enum AdmmMaskSchedule
{
    /// <summary>
    /// The released code's behaviour (admm-pruning @ 8039208), the reference default: the mask is
    /// re-chosen on |V+U| at the full target sparsity in each of the first iterations.
    /// </summary>
    Repository,

    /// <summary>
    /// Gradual mask as the paper describes: sparsity s_t = s − s·(1 − (t+1)/K)³, reaching s at
    /// step K−1. 2–8 % lower error than <see cref="Repository"/> on the reference layers.
    /// </summary>
    Cubic,

    /// <summary>One mask chosen on the preconditioned weights (a layer-wide Wanda mask), then only the weight update.</summary>
    FixedMask,
}

/// <summary>
/// Settings of <see cref="AdmmPruning"/>; the defaults are the reference's (<c>fasterprune</c>
/// with <c>percdamp=0.1</c>, <c>iterative_prune=15</c>, <c>iters=20</c>, ρ = 1).
/// </summary>
public sealed record AdmmOptions
{
    /// <summary>Mask selection schedule.</summary>
    public AdmmMaskSchedule Schedule { get; init; } = AdmmMaskSchedule.Repository;

    /// <summary>ADMM iterations (weight updates).</summary>
    public int Iterations { get; init; } = 20;

    /// <summary>K: the mask is re-selected in iterations 0…K−1 and frozen after (ignored for a fixed mask).</summary>
    public int MaskIterations { get; init; } = 15;

    /// <summary>Damping of the normalised H as a fraction of its mean diagonal; also pulls towards the dense weights.</summary>
    public float Damping { get; init; } = 0.1f;

    /// <summary>ADMM penalty ρ.</summary>
    public float Rho { get; init; } = 1f;
}
