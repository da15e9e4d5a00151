namespace Dipper.Compiler.Passes.Factorization;

/// <summary>
/// The Edge TPU cost model's estimate (not a measurement) for one residual block as it is and in S2D form, per batch of
/// chunks: the block's own operators, and the whole model's time without and with this block rewritten (the blocks
/// before it that pay already rewritten), which also counts what the block's weights add to the parameters streamed
/// over USB once they pass the Edge TPU's 8 MB.
/// </summary>
/// <param name="Block">The block.</param>
/// <param name="DenseMicroseconds">The block's operators as they are.</param>
/// <param name="S2dMicroseconds">The block's operators in S2D form.</param>
/// <param name="ModelMicroseconds">The whole model before this block is rewritten.</param>
/// <param name="ModelWithS2dMicroseconds">The whole model with this block rewritten.</param>
public sealed record SpaceToDepthEstimate(ResidualBlock Block, double DenseMicroseconds, double S2dMicroseconds,
    double ModelMicroseconds, double ModelWithS2dMicroseconds)
{
    /// <summary>True when the whole model gets faster with this block in S2D form: the rewrite takes it.</summary>
    public bool Pays => ModelWithS2dMicroseconds < ModelMicroseconds;
}
