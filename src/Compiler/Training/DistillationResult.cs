using Dipper.Compiler.Graph;

namespace Dipper.Compiler.Training;

/// <summary>One validation of a distillation run: the student against the teacher on the held-out chunks.</summary>
/// <param name="Step">Steps trained when it was measured (0 is the student as given).</param>
/// <param name="Loss">Mean per-frame KL divergence on the held-out chunks.</param>
/// <param name="FrameAgreement">Fraction of held-out frames whose most likely class is the teacher's.</param>
public sealed record ValidationRecord(int Step, double Loss, double FrameAgreement);

/// <summary>What a distillation run produced: the best student and the record of how it got there.</summary>
/// <param name="Best">The student at its best validation (lowest KL divergence from the teacher on the held-out chunks).</param>
/// <param name="BestStep">The step the best student was taken at.</param>
/// <param name="Steps">Steps trained in all.</param>
/// <param name="ResumedFrom">The checkpoint's step when the run was resumed, else null.</param>
/// <param name="FirstLoss">Training loss of the first step.</param>
/// <param name="LastLoss">Training loss of the last step.</param>
/// <param name="Validations">Every validation, in order.</param>
/// <param name="Seconds">Training time, over all runs of a resumed training.</param>
/// <param name="MaskedWeights">Zeros held at zero, per weight.</param>
public sealed record DistillationResult(ModelGraph Best, int BestStep, int Steps, int? ResumedFrom, double FirstLoss, double LastLoss,
    IReadOnlyList<ValidationRecord> Validations, double Seconds, IReadOnlyDictionary<string, long> MaskedWeights)
{
    /// <summary>The validation of the best student.</summary>
    public ValidationRecord BestValidation => Validations.Single(v => v.Step == BestStep);
}
