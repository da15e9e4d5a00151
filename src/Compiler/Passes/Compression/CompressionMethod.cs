namespace Dipper.Compiler.Passes.Compression;

/// <summary>The layer-wise compression methods Dipper implements, weakest to strongest on the reference layers.</summary>
public enum CompressionMethod
{
    /// <summary>Smallest |W| layer-wide, no update (<see cref="MagnitudePruning"/>).</summary>
    Magnitude,

    /// <summary>|W|·‖X_j‖ per output row, no update (<see cref="WandaPruning"/>).</summary>
    Wanda,

    /// <summary>Column sweep with OBS-style updates (<see cref="SparseGptPruning"/>).</summary>
    SparseGpt,

    /// <summary>ADMM weight update with mask selection (<see cref="AdmmPruning"/>).</summary>
    Admm,

    /// <summary>Two sparse factors (<see cref="DoubleSparseFactorization"/>).</summary>
    Dsf,

    /// <summary>
    /// Not a layer-wise method: every depthwise-separable block rewritten into DeepNano-coral's KSeparable form for the
    /// Edge TPU (<see cref="Factorization.KSeparableRewrite"/>); other layers stay as they are.
    /// </summary>
    KSeparable,

    /// <summary>
    /// Not a layer-wise method: residual blocks rewritten into DeepNano-coral's S2D form (a third of the frames at twice the
    /// channels inside) where the Edge TPU cost model says it pays (<see cref="Factorization.SpaceToDepthRewrite"/>).
    /// </summary>
    SpaceToDepth,

    /// <summary><see cref="KSeparable"/> first, then <see cref="SpaceToDepth"/> on its result: DeepNano-coral's "both" blocks.</summary>
    KSeparableSpaceToDepth,
}
