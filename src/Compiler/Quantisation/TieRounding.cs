namespace Dipper.Compiler.Quantisation;

/// <summary>
/// How a requantising right shift rounds a value exactly halfway between two integers. TFLite's
/// reference kernels round ties away from zero (gemmlowp); its optimised CONV_2D (ruy) rounds
/// them up, so the runtime's int8 convolutions can differ from the reference kernels by one step.
/// On arm64 ruy also truncates the high multiply before that shift (<see cref="TruncatedHighMultiplyUpward"/>).
/// </summary>
public enum TieRounding
{
    /// <summary>−2.5 → −3, 2.5 → 3 (gemmlowp, TFLite's reference kernels, DEPTHWISE_CONV_2D, ADD, MUL).</summary>
    AwayFromZero,

    /// <summary>−2.5 → −2, 2.5 → 3 (ruy, behind TFLite's optimised CONV_2D).</summary>
    Upward,

    /// <summary>
    /// Not only a tie rule: the doubling high multiply truncated (floor) instead of rounded, then the shift's ties
    /// upward: −2.5 → −2, 2.5 → 3 after a floored 2³¹ division. What TFLite 2.9's CONV_2D computes on arm64 (ruy's
    /// NEON kernel: sqdmulh, then srshl), and so what the appliance computes on its CPU; measured bit for bit
    /// under qemu against the arm64 library on every kernel of Int8ReferenceTests (docs/arm64-int8.md). Given to
    /// <see cref="Int8Reference"/> it also rounds the ties of DEPTHWISE_CONV_2D's channels in whole eights upward, as
    /// arm64's NEON depthwise output stage does.
    /// </summary>
    TruncatedHighMultiplyUpward,
}
