using Dipper.Compiler.Training;

namespace Dipper.Compiler.Commands;

/// <summary>
/// What every training run records in its package's provenance, whatever its objective (<c>finetune</c>,
/// <c>train</c>): the loop's steps, batch, rate and schedule, its losses, the step kept, the zeros held, the time,
/// and the steps computed again after libtorch's gradient fault. One place, so the two records cannot drift apart.
/// </summary>
public static class TrainingRecord
{
    /// <summary>Adds the loop's entries to a provenance object being built.</summary>
    public static Dictionary<string, object?> WithLoop(this Dictionary<string, object?> entries, TrainingOptions options, TrainingResult result)
    {
        entries["steps"] = result.Steps;
        entries["batch"] = options.Batch;
        entries["learningRate"] = options.LearningRate;
        entries["schedule"] = options.WarmupSteps > 0 ? $"Adam, linear warm-up over {options.WarmupSteps} steps, then cosine decay to 0" : "Adam, cosine decay to 0";
        entries["warmupSteps"] = options.WarmupSteps;
        entries["trainingBatchNorm"] = options.BatchNorm;
        entries["trainingBatchNormStart"] = !options.BatchNorm ? null : options.NormalisingStart ? "normalising" : "unchanged model";
        entries["resumedFrom"] = result.ResumedFrom;
        entries["losses"] = new Dictionary<string, double>
        {
            ["firstTraining"] = Math.Round(result.FirstLoss, 6),
            ["lastTraining"] = Math.Round(result.LastLoss, 6),
            ["validationBefore"] = Math.Round(result.Validations[0].Loss, 6),
            ["bestValidation"] = Math.Round(result.BestValidation.Loss, 6),
            ["lastValidation"] = Math.Round(result.Validations[^1].Loss, 6),
        };
        entries["bestStep"] = result.BestStep;
        entries["maskedZeros"] = result.MaskedWeights.Values.Sum();
        entries["seconds"] = Math.Round(result.Seconds, 1);
        entries["recomputedSteps"] = result.RecomputedSteps;
        return entries;
    }
}
