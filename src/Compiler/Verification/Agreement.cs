namespace Dipper.Compiler.Verification;

/// <summary>How closely a compiled model follows the float model on held-out reads.</summary>
/// <param name="Engine">The compiled model's engine and file, e.g. "tflite model_int8.tflite".</param>
/// <param name="Reads">Reads compared.</param>
/// <param name="Frames">Frames compared.</param>
/// <param name="MaxAbsLogProbError">Largest |log p − log p_float| over every frame and class.</param>
/// <param name="MeanAbsLogProbError">Mean |log p − log p_float|.</param>
/// <param name="FrameAgreement">Share of frames whose most likely class is the float model's.</param>
/// <param name="BasecallIdentity">Mean over reads of the edit-distance identity between the two greedy base calls.</param>
/// <param name="LowestReadIdentity">The worst read's identity.</param>
public sealed record Agreement(string Engine, int Reads, long Frames, double MaxAbsLogProbError, double MeanAbsLogProbError,
    double FrameAgreement, double BasecallIdentity, double LowestReadIdentity)
{
    /// <summary>One line for logs and the report.</summary>
    public override string ToString() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"{Engine}: {Reads} reads, {Frames} frames: frame agreement {FrameAgreement:P2}, basecall identity {BasecallIdentity:P2} (lowest {LowestReadIdentity:P2}), |Δ log-prob| max {MaxAbsLogProbError:F3} mean {MeanAbsLogProbError:F4}");
}
