using System.CommandLine;
using Dipper.Compiler.Graph;
using Dipper.Compiler.Import;
using Dipper.Compiler.Labelling;
using Dipper.Compiler.Passes;
using Dipper.Compiler.Training;

namespace Dipper.Compiler.Commands;

/// <summary>
/// <c>dipper train --labels LABELS (--model PKG | --architecture FILE) -o PKG [--epochs N | --steps N]</c>: trains a
/// model with CTC on the chunks and reference bases of a label set (<c>dipper label</c>), in the loop distillation
/// uses, its zeros kept zero, and writes the best model (lowest CTC loss on the chunks of held-out reads) as a float
/// ONNX package that compile and basecall take. The model is an existing one to fine-tune, or a new one described in a
/// file (<see cref="ModelArchitecture"/>) and trained from fresh weights. This is how a model is made for one's own
/// chemistry from one's own reads.
/// </summary>
public static class TrainCommand
{
    private const string Program = "dipper train";

    /// <summary>Everything the command was asked to do.</summary>
    /// <param name="Labels">Label folder written by <c>dipper label</c>.</param>
    /// <param name="Model">The model to train: package folder, ONNX file beside its manifest, or checkpoint; null with <paramref name="Architecture"/>.</param>
    /// <param name="Output">Package folder to write.</param>
    /// <param name="Epochs">Passes over the training chunks (when <paramref name="Steps"/> is not given).</param>
    /// <param name="Steps">Optimiser steps.</param>
    /// <param name="LearningRate">Adam's peak learning rate.</param>
    /// <param name="Batch">Chunks per step.</param>
    /// <param name="Threads">libtorch threads.</param>
    /// <param name="CheckpointEvery">Steps between checkpoints (0: none).</param>
    /// <param name="ValidateEvery">Steps between validations (null: once an epoch).</param>
    /// <param name="Resume">Continue from the checkpoint beside the output.</param>
    /// <param name="ValidationEvery">One read in this many is held out for validation.</param>
    /// <param name="BatchNorm">Train with a BatchNorm after each convolution, folded away when written (<see cref="TrainingBatchNorm"/>).</param>
    /// <param name="Warmup">Steps of a linear rise to the peak rate.</param>
    /// <param name="Architecture">An architecture file (<see cref="ModelArchitecture"/>): a new model from fresh weights instead of <paramref name="Model"/>.</param>
    /// <param name="Seed">Seeds the order chunks are drawn in and, with <paramref name="Architecture"/>, the starting weights.</param>
    public sealed record Request(string Labels, string? Model, string Output, int Epochs = 1, int? Steps = null, double LearningRate = 1e-3,
        int Batch = 16, int Threads = 2, int CheckpointEvery = 200, int? ValidateEvery = null, bool Resume = false, int ValidationEvery = 5,
        bool BatchNorm = false, int Warmup = 0, string? Architecture = null, int Seed = 1);

    /// <summary>The pass name recorded in the output's provenance.</summary>
    public const string PassName = "train-ctc";

    /// <summary>The checkpoint file beside <paramref name="output"/>.</summary>
    public static string CheckpointPath(string output) => TrainingArguments.CheckpointPath(output, "train");

    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var labels = new Option<string>("--labels", "-l") { Description = "Label folder made by dipper label (chunks and their reference bases)", Required = true };
        var model = new Option<string>("--model", "-m")
        {
            Description = "The model to train: package folder, ONNX file with its manifest, or .pth; its alphabet must be the label set's",
        };
        var architecture = new Option<string>("--architecture")
        {
            Description = "Instead of --model: a new model described in a JSON file (name, chemistry, sampleRates, blocks; see the README), trained from fresh weights",
        };
        var seed = new Option<int>("--seed") { Description = "Seeds the order chunks are drawn in and, with --architecture, the starting weights", DefaultValueFactory = _ => 1 };
        var output = new Option<string>("--output", "-o") { Description = "Package folder to write (files it holds are replaced)", Required = true };
        var command = new Command("train",
            "Train a model with CTC on labelled chunks (dipper label), keeping its zeros; write the best model as a float ONNX package")
        {
            labels, model, architecture, seed, output,
        };
        var training = new TrainingArguments(command);
        command.SetAction(async (result, ct) =>
        {
            var request = new Request(result.GetValue(labels)!, result.GetValue(model)!, result.GetValue(output)!,
                result.GetValue(training.Epochs) ?? 1, result.GetValue(training.Steps), result.GetValue(training.LearningRate), result.GetValue(training.Batch),
                result.GetValue(training.Threads), result.GetValue(training.CheckpointEvery), result.GetValue(training.ValidateEvery),
                result.GetValue(training.Resume), result.GetValue(training.ValidationEvery), result.GetValue(training.BatchNorm),
                result.GetValue(training.Warmup), result.GetValue(architecture), result.GetValue(seed));
            return await RunAsync(request, Console.Out, Console.Error, !Console.IsErrorRedirected, ct);
        });
        return command;
    }

    /// <summary>Trains and writes the package; 0 when written, 1 when an input was unusable or libtorch is missing, 2 when neither or both of the model and the architecture are given (nothing written).</summary>
    /// <param name="request">What to do.</param>
    /// <param name="output">Validations, checkpoints, the result.</param>
    /// <param name="errors">Problems, and the progress line.</param>
    /// <param name="terminal">True when <paramref name="errors"/> is a terminal: the progress line is redrawn in place.</param>
    /// <param name="cancellationToken">Stops between steps.</param>
    public static async Task<int> RunAsync(Request request, TextWriter output, TextWriter errors, bool terminal, CancellationToken cancellationToken)
    {
        if ((request.Model is null) == (request.Architecture is null))
        {
            await errors.WriteLineAsync($"{Program}: give the model to train (--model) or a new model's architecture (--architecture), one of the two; nothing was written");
            return Basecaller.CommandLine.CommandLineRunner.UsageError;
        }
        try
        {
            var labels = LabelSet.Read(request.Labels);
            var architecture = request.Architecture is { } file ? ModelArchitecture.Read(file) : null;
            TorchRuntime.Start(request.Threads);
            var start = architecture is not null
                ? architecture.Start(request.Architecture!, labels.Metadata.Alphabet, labels.Metadata.ChunkSamples, request.Seed)
                : await ModelSource.LoadAsync(request.Model!, cancellationToken);
            var manifest = start.Manifest;
            if (labels.Metadata.Alphabet != manifest.Alphabet)
                throw new InvalidDataException($"{request.Labels}: the labels index the alphabet '{labels.Metadata.Alphabet}', the model {manifest.Name} " +
                    $"has '{manifest.Alphabet}': label the reads with a model of the same alphabet");
            var ctc = new CtcTraining(labels, manifest.Blank, labels.Metadata.ChunkSamples / manifest.Stride, request.ValidationEvery, request.Batch);
            var options = TrainingArguments.Schedule(ctc.TrainingChunks, request.Epochs, request.Steps, request.Batch, request.LearningRate,
                request.ValidateEvery, request.CheckpointEvery, CheckpointPath(request.Output), request.Resume, request.BatchNorm, request.Warmup) with
                {
                    Seed = request.Seed,
                    // A new model's activations are nothing to keep: its BatchNorms start normalising.
                    NormalisingStart = architecture is not null,
                };
            await output.WriteLineAsync($"{Program}: {manifest.Name} from {(architecture is not null ? $"fresh weights (seed {request.Seed}) of {request.Architecture}" : request.Model)} on {request.Labels}: {ctc.TrainingChunks} training chunks from " +
                $"{ctc.TrainingReads.Count} reads, {ctc.ValidationChunks} validation chunks from {ctc.ValidationReads.Count} held-out reads" +
                (ctc.Unusable > 0 ? $", {ctc.Unusable} chunks left out (label too long for the model's frames)" : "") +
                $"; {options.Steps} steps of {options.Batch} chunks, CTC loss (blank {manifest.Blank})");
            // BatchNorm folded, as a package's model is: the exported model must be the graph that was trained.
            var result = TrainingLoop.Run(FoldBatchNorm.Apply(start.Graph), ctc, options, output, errors, terminal, cancellationToken);

            await TrainedPackage.WriteAsync(start, result.Best, Program, PassName, "train",
                TrainProvenance.ToJson(request, options, labels, ctc, result),
                TrainProvenance.Report(request, options, labels, ctc, result, manifest.Name), request.Output, cancellationToken);
            File.Delete(options.CheckpointPath!);
            await output.WriteLineAsync(FormattableString.Invariant(
                $"{Program}: package written to {request.Output}: step {result.BestStep} of {result.Steps}, held-out CTC loss {result.Validations[0].Loss:F4} → {result.BestValidation.Loss:F4}"));
            return 0;
        }
        catch (Exception e) when (e is TrainingUnavailableException or CheckpointFormatException or GraphException or InvalidDataException
                                       or FileNotFoundException or IOException or UnauthorizedAccessException)
        {
            await errors.WriteLineAsync($"{Program}: {e.Message}; nothing was written");
            return 1;
        }
    }
}
