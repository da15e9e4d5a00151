using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Dipper.Compiler.Training;

/// <summary>
/// Knowledge distillation's loss for a base caller: the per-frame KL divergence KL(teacher ‖ student) between
/// the two posteriors over the alphabet, softened by a temperature and averaged over frames. Distillation needs
/// no reference: the teacher's posteriors on unlabelled reads are the targets, so any reads will do.
/// </summary>
public static class DistillationLoss
{
    /// <summary>
    /// T² · mean over frames of Σ_c p_t(c) (log p_t(c) − log p_s(c)), with both posteriors taken at temperature T.
    /// Inputs are log-probabilities [N, frames, classes] as the graph returns them: softmax ignores the per-frame
    /// constant that log-softmax subtracted, so dividing log-probabilities by T softens exactly as dividing logits
    /// would. The T² keeps the gradient's size independent of T (Hinton et al., 2015).
    /// </summary>
    /// <param name="student">The student's log-probabilities (with gradient).</param>
    /// <param name="teacher">The teacher's log-probabilities (no gradient needed).</param>
    /// <param name="temperature">1 compares the posteriors as they are; above 1 weighs the less likely classes more.</param>
    public static Tensor Compute(Tensor student, Tensor teacher, double temperature = 1) => PerFrame(student, teacher, temperature).mean();

    /// <summary>
    /// The same KL, with each frame weighted by how surely the teacher calls a base there:
    /// w = 1 + (<paramref name="baseWeight"/> − 1) · (1 − p_t(blank)), and the loss Σ w·KL / Σ w. Why: most frames
    /// are blank, so the plain mean is mostly about the blank, while what a compressed student still gets wrong after
    /// distillation is mostly which base it calls (docs/finetune-recovery.md). A weight of 1 is the plain mean.
    /// </summary>
    /// <param name="student">The student's log-probabilities (with gradient).</param>
    /// <param name="teacher">The teacher's log-probabilities (no gradient needed).</param>
    /// <param name="temperature">Softens both posteriors, as in <see cref="Compute(Tensor, Tensor, double)"/>; the weight uses the teacher's posterior as it is.</param>
    /// <param name="baseWeight">A frame's weight where the teacher is sure of a base, against 1 where it is sure of the blank.</param>
    /// <param name="blank">The blank's class.</param>
    public static Tensor Compute(Tensor student, Tensor teacher, double temperature, double baseWeight, int blank)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(baseWeight);
        ArgumentOutOfRangeException.ThrowIfNegative(blank);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(blank, teacher.shape[^1]);
        var perFrame = PerFrame(student, teacher, temperature);
        if (baseWeight == 1) return perFrame.mean();
        var weight = (1 - teacher.detach().select(-1, blank).exp()) * (baseWeight - 1) + 1;
        return (weight * perFrame).sum() / weight.sum();
    }

    /// <summary>T² · KL(teacher ‖ student) of each frame, at temperature T: [N, frames].</summary>
    private static Tensor PerFrame(Tensor student, Tensor teacher, double temperature)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(temperature);
        var softTeacher = F.log_softmax(teacher / temperature, -1);
        var softStudent = F.log_softmax(student / temperature, -1);
        return (softTeacher.exp() * (softTeacher - softStudent)).sum(-1) * (temperature * temperature);
    }
}
