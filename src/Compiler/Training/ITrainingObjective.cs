using static TorchSharp.torch;

namespace Dipper.Compiler.Training;

/// <summary>
/// What a training run minimises and how it is validated, apart from the loop that steps, validates,
/// checkpoints and reports (<see cref="TrainingLoop"/>): <see cref="Distillation"/> (per-frame KL towards a
/// teacher on unlabelled chunks) and <see cref="CtcTraining"/> (CTC against reference bases on labelled chunks).
/// </summary>
public interface ITrainingObjective
{
    /// <summary>Short name recorded in checkpoints, so a checkpoint of one objective is not resumed by another ("distillation", "ctc").</summary>
    string Name { get; }

    /// <summary>Chunks to train on; steps draw indices below this.</summary>
    int TrainingChunks { get; }

    /// <summary>Samples per chunk (for samples/s).</summary>
    int ChunkSamples { get; }

    /// <summary>The training chunks <paramref name="chunks"/> as the model's input [N, 1, samples]: what the loss feeds the model, for what must see the training data without a loss (e.g. statistics that initialise a layer).</summary>
    Tensor Input(int[] chunks);

    /// <summary>The mean loss of <paramref name="model"/> (in training mode, with gradient) on the training chunks <paramref name="chunks"/>.</summary>
    Tensor Loss(GraphModule model, int[] chunks);

    /// <summary>Measures <paramref name="model"/> (in evaluation mode, without gradient) on the held-out chunks.</summary>
    ValidationRecord Validate(GraphModule model, int step);
}
