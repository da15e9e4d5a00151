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
    public static Tensor Compute(Tensor student, Tensor teacher, double temperature = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(temperature);
        var softTeacher = F.log_softmax(teacher / temperature, -1);
        var softStudent = F.log_softmax(student / temperature, -1);
        var perFrame = (softTeacher.exp() * (softTeacher - softStudent)).sum(-1);
        return perFrame.mean() * (temperature * temperature);
    }
}
