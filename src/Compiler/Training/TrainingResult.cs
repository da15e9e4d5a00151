using Dipper.Compiler.Graph;

namespace Dipper.Compiler.Training;

/// <summary>What a training run produced: the best model and the record of how it got there.</summary>
/// <param name="Best">The model at its best validation (see <see cref="ValidationRecord.IsBetterThan"/>).</param>
/// <param name="BestStep">The step the best model was taken at.</param>
/// <param name="Steps">Steps trained in all.</param>
/// <param name="ResumedFrom">The checkpoint's step when the run was resumed, else null.</param>
/// <param name="FirstLoss">Training loss of the first step.</param>
/// <param name="LastLoss">Training loss of the last step.</param>
/// <param name="Validations">Every validation, in order.</param>
/// <param name="Seconds">Training time, over all runs of a resumed training.</param>
/// <param name="MaskedWeights">Zeros held at zero, per weight.</param>
public sealed record TrainingResult(ModelGraph Best, int BestStep, int Steps, int? ResumedFrom, double FirstLoss, double LastLoss,
    IReadOnlyList<ValidationRecord> Validations, double Seconds, IReadOnlyDictionary<string, long> MaskedWeights)
{
    /// <summary>The validation of the best model.</summary>
    public ValidationRecord BestValidation => Validations.Single(v => v.Step == BestStep);

    /// <summary>Steps computed again because libtorch returned non-finite gradients for a finite loss (<see cref="GradientCheck"/>).</summary>
    public int RecomputedSteps { get; init; }
}
