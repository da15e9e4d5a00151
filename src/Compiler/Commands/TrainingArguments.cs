using System.CommandLine;
using System.Globalization;
using Dipper.Compiler.Training;

namespace Dipper.Compiler.Commands;

/// <summary>
/// The options <c>dipper finetune</c> and <c>dipper train</c> share, since both run the one training loop
/// (<see cref="TrainingLoop"/>): how long (<c>--epochs</c> or <c>--steps</c>), Adam's rate, the batch, threads,
/// checkpoints and <c>--resume</c>, the warm-up, how often to validate and which reads to hold out. Values out of range are
/// usage errors (exit 2), found before any file is read.
/// </summary>
public sealed class TrainingArguments
{
    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public TrainingArguments(Command command)
    {
        foreach (var option in new Option[] { Epochs, Steps, LearningRate, Batch, Threads, CheckpointEvery, ValidateEvery, Resume, ValidationEvery, BatchNorm, Warmup })
            command.Options.Add(option);
        command.Validators.Add(result =>
        {
            if (result.GetResult(Epochs) is not null && result.GetResult(Steps) is not null) result.AddError("--epochs and --steps are alternatives");
        });
        AtLeast(Epochs, 1);
        AtLeast(Steps, 1);
        AtLeast(Batch, 1);
        AtLeast(ValidationEvery, 2);
        AtLeast(CheckpointEvery, 0);
        AtLeast(ValidateEvery, 1);
        AtLeast(Warmup, 0);
        LearningRate.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<double>() is not > 0) result.AddError($"{LearningRate.Name} must be positive");
        });
    }

    /// <summary><c>--epochs</c>: passes over the training chunks (default 1).</summary>
    public Option<int?> Epochs { get; } = new("--epochs") { Description = "Passes over the training chunks (default 1)" };

    /// <summary><c>--batchnorm</c>: train with a BatchNorm after each convolution, folded away when training ends (see <see cref="TrainingBatchNorm"/>).</summary>
    public Option<bool> BatchNorm { get; } = new("--batchnorm")
    {
        Description = "Train with a BatchNorm after each convolution (set up to change nothing, or plain with --fresh; folded away in the package written): a compressed model then trains at the dense model's rate",
    };

    /// <summary><c>--warmup</c>: steps of a linear rise to the peak rate before its cosine decay (see <see cref="TrainingOptions.WarmupSteps"/>).</summary>
    public Option<int> Warmup { get; } = new("--warmup")
    {
        Description = "Steps over which the rate rises linearly to --lr before decaying (0: start at --lr); for students from fresh weights",
        DefaultValueFactory = _ => 0,
    };

    /// <summary><c>--steps</c>: optimiser steps, instead of epochs.</summary>
    public Option<int?> Steps { get; } = new("--steps") { Description = "Optimiser steps (instead of --epochs)" };

    /// <summary><c>--lr</c>: Adam's peak rate.</summary>
    public Option<double> LearningRate { get; } = new("--lr") { Description = "Adam's peak learning rate (cosine decay to 0)", DefaultValueFactory = _ => 1e-3 };

    /// <summary><c>--batch</c>: chunks per step.</summary>
    public Option<int> Batch { get; } = new("--batch") { Description = "Chunks per step", DefaultValueFactory = _ => 16 };

    /// <summary><c>--threads</c>: libtorch threads.</summary>
    public Option<int> Threads { get; } = new("--threads") { Description = "libtorch threads", DefaultValueFactory = _ => Math.Max(1, Environment.ProcessorCount) };

    /// <summary><c>--checkpoint-every</c>: steps between checkpoints.</summary>
    public Option<int> CheckpointEvery { get; } = new("--checkpoint-every") { Description = "Write a checkpoint beside the output every N steps (0: never)", DefaultValueFactory = _ => 200 };

    /// <summary><c>--validate-every</c>: steps between validations.</summary>
    public Option<int?> ValidateEvery { get; } = new("--validate-every") { Description = "Validate on the held-out reads every N steps (default: once an epoch)" };

    /// <summary><c>--resume</c>: continue from the checkpoint.</summary>
    public Option<bool> Resume { get; } = new("--resume") { Description = "Continue from the checkpoint beside the output (after a kill)" };

    /// <summary><c>--validation-every</c>: one read in N is held out.</summary>
    public Option<int> ValidationEvery { get; } = new("--validation-every") { Description = "Hold out one read in N (chosen by read id) for validation", DefaultValueFactory = _ => 5 };

    /// <summary>
    /// The loop's options for <paramref name="trainingChunks"/> chunks: <paramref name="steps"/>, or else
    /// <paramref name="epochs"/> passes over the chunks; a validation every <paramref name="validateEvery"/> steps, or else once an epoch.
    /// </summary>
    public static TrainingOptions Schedule(int trainingChunks, int epochs, int? steps, int batch, double learningRate, int? validateEvery,
        int checkpointEvery, string checkpointPath, bool resume, bool batchNorm = false, int warmup = 0)
    {
        var perEpoch = (trainingChunks + batch - 1) / batch;
        return new TrainingOptions
        {
            Steps = steps ?? epochs * perEpoch,
            Batch = batch,
            LearningRate = learningRate,
            ValidateEvery = validateEvery ?? perEpoch,
            CheckpointEvery = checkpointEvery,
            CheckpointPath = checkpointPath,
            Resume = resume,
            BatchNorm = batchNorm,
            WarmupSteps = warmup,
        };
    }

    /// <summary>The checkpoint file beside <paramref name="output"/>, named for the command (<c>PKG.finetune-checkpoint</c>).</summary>
    public static string CheckpointPath(string output, string command) =>
        Path.GetFullPath(output).TrimEnd(Path.DirectorySeparatorChar) + $".{command}-checkpoint";

    /// <summary>Adds a rule that <paramref name="option"/>, when given, is at least <paramref name="least"/>.</summary>
    public static void AtLeast<T>(Option<T> option, int least) => option.Validators.Add(result =>
    {
        if (Convert.ToInt64(result.GetValueOrDefault<T>(), CultureInfo.InvariantCulture) < least)
            result.AddError($"{option.Name} must be at least {least}");
    });
}
