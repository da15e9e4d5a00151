namespace Dipper.Compiler.Training;

/// <summary>How a training run (distillation or CTC) steps, validates and checkpoints; what it minimises is its <see cref="ITrainingObjective"/>.</summary>
public sealed record TrainingOptions
{
    /// <summary>Optimiser steps in all (each a batch of chunks).</summary>
    public required int Steps { get; init; }

    /// <summary>Chunks per step.</summary>
    public int Batch { get; init; } = 16;

    /// <summary>Adam's peak learning rate; it decays along a cosine to zero at the last step.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Validate every this many steps (and after the last).</summary>
    public required int ValidateEvery { get; init; }

    /// <summary>Write a checkpoint every this many steps; 0 writes none.</summary>
    public int CheckpointEvery { get; init; }

    /// <summary>Where checkpoints go (one file, replaced atomically).</summary>
    public string? CheckpointPath { get; init; }

    /// <summary>Continue from the checkpoint at <see cref="CheckpointPath"/> instead of starting at step 0.</summary>
    public bool Resume { get; init; }

    /// <summary>
    /// Train with a BatchNorm after each convolution (<see cref="TrainingBatchNorm"/>), folded away when training ends:
    /// a folded (compressed) student then takes the rate the dense model was trained with.
    /// </summary>
    public bool BatchNorm { get; init; }

    /// <summary>
    /// The inserted BatchNorms start normalising (γ = 1, β = 0) instead of changing nothing: for a student from fresh
    /// weights (<see cref="TrainingBatchNorm.Insert"/>). Only with <see cref="BatchNorm"/>.
    /// </summary>
    public bool NormalisingStart { get; init; }

    /// <summary>
    /// Steps over which the rate rises linearly from near zero to <see cref="LearningRate"/> before its cosine decay
    /// (over the remaining steps) begins; 0 starts at the peak. Adam's first steps on fresh weights are the largest.
    /// </summary>
    public int WarmupSteps { get; init; }

    /// <summary>
    /// Prune while training (<see cref="GradualPruning"/>), its final sparsity reached at its end step; only students of
    /// that step or later are kept. Null trains the model's own zeros only.
    /// </summary>
    public GradualPruning? Pruning { get; init; }

    /// <summary>Seeds the order chunks are drawn in; the order of step s depends on the seed and s alone, so a resumed run draws what the killed one would have.</summary>
    public int Seed { get; init; } = 1;
}
