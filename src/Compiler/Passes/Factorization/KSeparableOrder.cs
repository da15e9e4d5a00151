namespace Dipper.Compiler.Passes.Factorization;

/// <summary>
/// Which of the KSeparable pair comes first. Both are the same two Edge TPU operators (a dense 3-tap
/// convolution and a depthwise convolution dilated by 3) at the same cost; they differ in what one
/// rank-1 factor is shared by, and so in how near the rewrite can start to a depthwise-separable block.
/// </summary>
public enum KSeparableOrder
{
    /// <summary>
    /// DeepNano-coral's KSeparableConv: the dense 3-tap convolution, then the dilated depthwise one on its
    /// output channels. Every output channel has one coarse envelope for all its inputs.
    /// </summary>
    DenseFirst,

    /// <summary>
    /// The dilated depthwise convolution on the input channels, then the dense 3-tap convolution. Every input
    /// channel keeps a coarse filter of its own, as a depthwise-separable block's input channels each have their
    /// own K-tap filter, so a block whose filters split into coarse × fine taps is reproduced exactly.
    /// </summary>
    DepthwiseFirst,
}
