using System.Globalization;
using System.Text;

namespace Dipper.Compiler.Training;

/// <summary>
/// One validation of a training run on its held-out chunks: the objective's loss, and what else the objective
/// measures (frame agreement with a teacher; basecall identity against a reference).
/// </summary>
/// <param name="Step">Steps trained when it was measured (0 is the model as given).</param>
/// <param name="Loss">The objective's mean loss on the held-out chunks (per-frame KL for distillation, CTC for labelled chunks).</param>
/// <param name="FrameAgreement">Fraction of held-out frames whose most likely class is the teacher's (distillation only).</param>
/// <param name="Identity">Basecall identity of the held-out reads against a reference (matches over alignment columns), when measured.</param>
public sealed record ValidationRecord(int Step, double Loss, double? FrameAgreement = null, double? Identity = null)
{
    /// <summary>
    /// Whether this validation is better than <paramref name="other"/>: by identity when both have one and they
    /// differ, since identity is what a base caller is for; else by the lower loss. The loss, not the frame agreement: on a few
    /// thousand frames the argmax agreement moves in coarse, noisy steps (and ignores how sure the model is), while
    /// the loss is what training lowers and it falls smoothly.
    /// </summary>
    public bool IsBetterThan(ValidationRecord other) =>
        Identity is { } identity && other.Identity is { } otherIdentity && identity != otherIdentity ? identity > otherIdentity : Loss < other.Loss;

    /// <summary>One line for the log: "validation at step 20: loss 0.1234, frame agreement with the teacher 80.00 % (best so far)".</summary>
    public string Describe(string note)
    {
        var inv = CultureInfo.InvariantCulture;
        var text = new StringBuilder().Append(inv, $"validation at step {Step}: loss {Loss:F4}");
        if (FrameAgreement is { } agreement) text.Append(inv, $", frame agreement with the teacher {agreement:P2}");
        if (Identity is { } identity) text.Append(inv, $", basecall identity {identity:P2}");
        return text.Append(inv, $" ({note})").ToString();
    }
}
