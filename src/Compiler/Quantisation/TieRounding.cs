namespace Dipper.Compiler.Quantisation;

/// <summary>
/// How a requantising right shift rounds a value exactly halfway between two integers. TFLite's
/// reference kernels round ties away from zero (gemmlowp); its optimised CONV_2D (ruy) rounds
/// them up, so the runtime's int8 convolutions can differ from the reference kernels by one step.
/// </summary>
public enum TieRounding
{
    /// <summary>−2.5 → −3, 2.5 → 3 (gemmlowp, TFLite's reference kernels, DEPTHWISE_CONV_2D, ADD, MUL).</summary>
    AwayFromZero,

    /// <summary>−2.5 → −2, 2.5 → 3 (ruy, behind TFLite's optimised CONV_2D).</summary>
    Upward,
}
