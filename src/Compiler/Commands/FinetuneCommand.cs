using System.CommandLine;
using Dipper.Basecaller.CommandLine;
using Dipper.Compiler.Graph;
using Dipper.Compiler.Import;
using Dipper.Compiler.Labelling;
using Dipper.Compiler.Passes;
using Dipper.Compiler.Passes.Compression;
using Dipper.Compiler.Training;

namespace Dipper.Compiler.Commands;

/// <summary>
/// <c>dipper finetune --model PKG --teacher PKG --reads DIR... -o PKG [--epochs N | --steps N]</c>: wins back the
/// accuracy a compressed model lost by distilling the teacher (the dense model) into it on unlabelled reads of any
/// format, its zeros kept zero, and writes the best student as a float ONNX package that compile and basecall take.
/// </summary>
public static class FinetuneCommand
{
    /// <summary>Everything the command was asked to do.</summary>
    /// <param name="Model">The student: package folder, ONNX file beside its manifest, or checkpoint.</param>
    /// <param name="Teacher">The teacher, in any of the same forms.</param>
    /// <param name="Reads">Signal files or folders.</param>
    /// <param name="Output">Package folder to write.</param>
    /// <param name="Epochs">Passes over the training chunks (when <paramref name="Steps"/> is not given).</param>
    /// <param name="Steps">Optimiser steps.</param>
    /// <param name="LearningRate">Adam's peak learning rate.</param>
    /// <param name="Batch">Chunks per step.</param>
    /// <param name="Threads">libtorch threads.</param>
    /// <param name="Temperature">KL temperature.</param>
    /// <param name="CheckpointEvery">Steps between checkpoints (0: none).</param>
    /// <param name="ValidateEvery">Steps between validations (null: once an epoch).</param>
    /// <param name="Resume">Continue from the checkpoint beside the output.</param>
    /// <param name="ChunksPerRead">At most this many chunks from one read.</param>
    /// <param name="ValidationEvery">One read in this many is held out for validation.</param>
    /// <param name="Reference">FASTA the reads come from: each validation also calls the held-out reads and measures their identity, and the best student is the one of highest identity.</param>
    /// <param name="Seed">Seeds the order chunks are drawn in and, with <paramref name="Fresh"/>, the student's starting weights.</param>
    /// <param name="Fresh">Start from weights drawn anew (<see cref="FreshWeights"/>) instead of the model's: a new student of the model's architecture.</param>
    /// <param name="BatchNorm">Train with a BatchNorm after each convolution, folded away when written (<see cref="TrainingBatchNorm"/>).</param>
    /// <param name="Warmup">Steps of a linear rise to the peak rate.</param>
    /// <param name="MatchLayers">Weight of matching the teacher's activations layer by layer (<see cref="LayerMatching"/>) beside the output's KL; 0: the output alone.</param>
    /// <param name="PruneTo">Prune while training to this sparsity (<see cref="GradualPruning"/>); null: keep the model's own zeros only.</param>
    /// <param name="PruneUntil">The step the pruning reaches <paramref name="PruneTo"/> (null: half the steps).</param>
    /// <param name="MatchCallRates">Set the best student's class offsets so that it calls each base as often as the teacher on the held-out reads (<see cref="CallRateMatching"/>).</param>
    /// <param name="BaseFrameWeight">The training loss's weight of a frame where the teacher calls a base, against 1 for a blank one (<see cref="DistillationLoss"/>); 1 weighs all frames alike.</param>
    /// <param name="PruneBy">What <paramref name="PruneTo"/> cuts by (<see cref="GradualPruning.Criterion"/>): magnitude or wanda.</param>
    public sealed record Request(string Model, string Teacher, IReadOnlyList<string> Reads, string Output, int Epochs = 1, int? Steps = null,
        double LearningRate = 1e-3, int Batch = 16, int Threads = 2, double Temperature = 1, int CheckpointEvery = 200, int? ValidateEvery = null,
        bool Resume = false, int ChunksPerRead = 64, int ValidationEvery = 5, string? Reference = null, int Seed = 1, bool Fresh = false,
        bool BatchNorm = false, double MatchLayers = 0, int Warmup = 0, double? PruneTo = null, int? PruneUntil = null, bool MatchCallRates = true,
        double BaseFrameWeight = 1, CompressionMethod PruneBy = CompressionMethod.Magnitude);

    /// <summary>The pass name recorded in the output's provenance.</summary>
    public const string PassName = "finetune-distillation";

    /// <summary>The checkpoint file beside <paramref name="output"/>.</summary>
    public static string CheckpointPath(string output) => TrainingArguments.CheckpointPath(output, "finetune");

    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "The model to train (the student), e.g. a package from dipper compress", Required = true };
        var teacher = new Option<string>("--teacher") { Description = "The model to learn from (e.g. the dense model): package folder, ONNX file with its manifest, or .pth", Required = true };
        var reads = new Option<string[]>("--reads", "-r") { Description = "Signal files or folders (POD5, FAST5, SLOW5, BLOW5); no reference needed", Required = true, AllowMultipleArgumentsPerToken = true };
        var output = new Option<string>("--output", "-o") { Description = "Package folder to write (files it holds are replaced)", Required = true };
        var temperature = new Option<double>("--temperature") { Description = "Softens both posteriors in the KL loss", DefaultValueFactory = _ => 1 };
        var reference = new Option<string?>("--reference")
        {
            Description = "FASTA the reads come from: each validation also calls the held-out reads (greedy) and aligns them with minimap2; the best student is the one of highest identity",
        };
        var perRead = new Option<int>("--chunks-per-read") { Description = "At most this many chunks from one read", DefaultValueFactory = _ => 64 };
        var seed = new Option<int>("--seed") { Description = "Seeds the order chunks are drawn in and, with --fresh, the starting weights", DefaultValueFactory = _ => 1 };
        var fresh = new Option<bool>("--fresh")
        {
            Description = "Start from weights drawn anew from --seed instead of the model's (a new student of the model's architecture, e.g. one of two seeds to merge)",
        };
        var matchLayers = new Option<double>("--match-layers")
        {
            Description = "Also match the teacher's activations after every block the student shares with it, with this weight beside the output's KL (0: the output alone)",
            DefaultValueFactory = _ => 0,
        };
        var pruneTo = new Option<double?>("--prune-to")
        {
            Description = "Prune while training: every layer's smallest weights cut to zero a little at a time (cubic schedule, Zhu & Gupta 2017) until this fraction is zero, e.g. 0.5; only students with all their zeros are kept",
        };
        var pruneBy = new Option<string>("--prune-by")
        {
            Description = "With --prune-to, what a weight is worth: magnitude (|W|) or wanda (|W|·‖x‖, its input's norm on the step's chunks in the student as it stands)",
            DefaultValueFactory = _ => "magnitude",
        };
        pruneBy.AcceptOnlyFromAmong("magnitude", "wanda");
        var pruneUntil = new Option<int?>("--prune-until") { Description = "The step at which --prune-to is reached; the steps after it train with the final zeros (default: half the steps)" };
        var noCallRates = new Option<bool>("--no-call-rate-matching")
        {
            Description = "Write the student as trained; by default its output layer's class offsets are set so that it calls each base as often as the teacher on the held-out reads (distilled students call too few)",
        };
        var baseFrameWeight = new Option<double>("--base-frame-weight")
        {
            Description = "Weigh the KL of a frame where the teacher calls a base this many times a blank frame's (1: all alike); what a distilled student gets wrong is mostly which base",
            DefaultValueFactory = _ => 1,
        };
        var command = new Command("finetune",
            "Distil a teacher into a (compressed) model on unlabelled reads, keeping its zeros; write the best student as a float ONNX package")
        {
            model, teacher, reads, output, temperature, perRead, reference, seed, fresh, matchLayers, pruneTo, pruneUntil, pruneBy, baseFrameWeight,
        };
        var training = new TrainingArguments(command);
        TrainingArguments.AtLeast(perRead, 1);
        temperature.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<double>() is not > 0) result.AddError($"{temperature.Name} must be positive");
        });
        TrainingArguments.AtLeast(pruneUntil, 1);
        pruneTo.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<double?>() is { } fraction && fraction is not (> 0 and < 1)) result.AddError($"{pruneTo.Name} must be above 0 and below 1");
        });
        command.Validators.Add(result =>
        {
            if (result.GetResult(pruneUntil) is not null && result.GetResult(pruneTo) is null) result.AddError($"{pruneUntil.Name} needs {pruneTo.Name}");
            if (result.GetResult(pruneBy) is { Implicit: false } && result.GetResult(pruneTo) is null) result.AddError($"{pruneBy.Name} needs {pruneTo.Name}");
        });
        baseFrameWeight.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<double>() is not > 0) result.AddError($"{baseFrameWeight.Name} must be positive");
        });
        matchLayers.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<double>() is not >= 0) result.AddError($"{matchLayers.Name} must be 0 or more");
        });
        command.SetAction(async (result, ct) =>
        {
            var request = new Request(result.GetValue(model)!, result.GetValue(teacher)!, result.GetValue(reads)!, result.GetValue(output)!,
                result.GetValue(training.Epochs) ?? 1, result.GetValue(training.Steps), result.GetValue(training.LearningRate), result.GetValue(training.Batch),
                result.GetValue(training.Threads), result.GetValue(temperature), result.GetValue(training.CheckpointEvery), result.GetValue(training.ValidateEvery),
                result.GetValue(training.Resume), result.GetValue(perRead), result.GetValue(training.ValidationEvery), result.GetValue(reference), result.GetValue(seed), result.GetValue(fresh),
                result.GetValue(training.BatchNorm), result.GetValue(matchLayers), result.GetValue(training.Warmup), result.GetValue(pruneTo), result.GetValue(pruneUntil),
                !result.GetValue(noCallRates), result.GetValue(baseFrameWeight),
                result.GetValue(pruneBy) == "wanda" ? CompressionMethod.Wanda : CompressionMethod.Magnitude);
            return await RunAsync(request, Console.Out, Console.Error, !Console.IsErrorRedirected, ct);
        });
        return command;
    }

    /// <summary>Trains and writes the package; 0 when written, 1 when an input was unusable or libtorch is missing.</summary>
    /// <param name="request">What to do.</param>
    /// <param name="output">Validations, checkpoints, the result.</param>
    /// <param name="errors">Problems, and the progress line.</param>
    /// <param name="terminal">True when <paramref name="errors"/> is a terminal: the progress line is redrawn in place.</param>
    /// <param name="cancellationToken">Stops between steps.</param>
    public static async Task<int> RunAsync(Request request, TextWriter output, TextWriter errors, bool terminal, CancellationToken cancellationToken)
    {
        try
        {
            TorchRuntime.Start(request.Threads);
            var student = await ModelSource.LoadAsync(request.Model, cancellationToken);
            var teacher = await ModelSource.LoadAsync(request.Teacher, cancellationToken);
            // Distillation compares the two models frame by frame; a pooled model's frames depend on the read.
            student.RefusePooled("dipper finetune");
            teacher.RefusePooled("dipper finetune");
            var manifest = student.Manifest;
            if (teacher.Manifest.Alphabet != manifest.Alphabet || teacher.Manifest.Stride != manifest.Stride)
                throw new InvalidDataException($"{request.Teacher}: the teacher's alphabet and stride ({teacher.Manifest.Alphabet}, {teacher.Manifest.Stride}) " +
                    $"are not the student's ({manifest.Alphabet}, {manifest.Stride}); distillation compares their frames one by one");
            if (request.MatchLayers > 0 && await MatchableLayersAsync(student.Graph, teacher.Graph, errors) == 0)
                return CommandLineRunner.UsageError;
            // minimap2 and the reference are checked before any read is loaded or step trained.
            var aligner = request.Reference is not null ? Minimap2Aligner.Locate() : null;
            if (request.Reference is not null) ReferenceSequences.Load(request.Reference);
            var reads = await DistillationReads.LoadAsync(request.Reads, manifest, request.ChunksPerRead, request.ValidationEvery,
                keepHeldOutReads: aligner is not null, cancellationToken);
            foreach (var problem in reads.Problems.Take(5)) await errors.WriteLineAsync($"dipper finetune: {problem}");
            if (reads.Problems.Count > 5) await errors.WriteLineAsync($"dipper finetune: … and {reads.Problems.Count - 5} more files or reads skipped");
            var options = TrainingArguments.Schedule(reads.Training.Count, request.Epochs, request.Steps, request.Batch, request.LearningRate,
                request.ValidateEvery, request.CheckpointEvery, CheckpointPath(request.Output), request.Resume, request.BatchNorm, request.Warmup) with
                {
                    Seed = request.Seed,
                    // A fresh student's activations are nothing to keep: its BatchNorms start normalising.
                    NormalisingStart = request.Fresh,
                };
            if (request.PruneTo is { } sparsity)
            {
                var until = request.PruneUntil ?? Math.Max(1, options.Steps / 2);
                if (until > options.Steps)
                    throw new InvalidDataException($"--prune-until {until} is after the run's last step ({options.Steps}): the student would never have all its zeros");
                options = options with { Pruning = new GradualPruning { Sparsity = sparsity, EndStep = until, Criterion = request.PruneBy } };
            }
            await output.WriteLineAsync($"dipper finetune: {manifest.Name} from {request.Model}, teacher {teacher.Manifest.Name} from {request.Teacher}; " +
                $"{reads.Training.Count} training chunks from {reads.TrainingReads.Count} reads, {reads.Validation.Count} validation chunks from " +
                $"{reads.ValidationReads.Count} held-out reads ({reads.Files.Count} files); {options.Steps} steps of {options.Batch} chunks");
            TrainingResult result;
            CallRateMatching? callRates = null;
            ModelGraph? written = null;
            var identity = aligner is null ? null
                : new BasecallIdentity(manifest, reads.HeldOutSignals, request.Reference!, aligner, request.Threads, request.Batch);
            using (var distillation = new Distillation(teacher.Graph, reads.Training, reads.Validation, request.Temperature, request.Batch, identity, request.MatchLayers,
                       (request.BaseFrameWeight, manifest.Blank)))
            {
                // BatchNorm folded: a compressed package has none left, and the exported student must be the graph that was trained.
                var start = FoldBatchNorm.Apply(student.Graph);
                if (request.Fresh) start = FreshWeights.Draw(start, request.Seed);
                result = TrainingLoop.Run(start, distillation, options, output, errors, terminal, cancellationToken);
                if (request.MatchCallRates) (callRates, written) = await MatchCallRatesAsync(distillation, result.Best, manifest.Blank, output, errors);
            }

            await TrainedPackage.WriteAsync(student, written ?? result.Best, "dipper finetune", PassName, "finetune",
                FinetuneProvenance.ToJson(request, options, reads, result, teacher, callRates),
                FinetuneProvenance.Report(request, options, reads, result, teacher.Manifest.Name, callRates), request.Output, cancellationToken);
            File.Delete(options.CheckpointPath!);
            var best = result.BestValidation;
            await output.WriteLineAsync(FormattableString.Invariant(
                $"dipper finetune: package written to {request.Output}: step {result.BestStep} of {result.Steps}, frame agreement with the teacher {result.Validations[0].FrameAgreement:P2} → {best.FrameAgreement:P2}") +
                (best.Identity is { } bestIdentity ? FormattableString.Invariant($", basecall identity {result.Validations[0].Identity:P2} → {bestIdentity:P2}") : ""));
            return 0;
        }
        catch (Exception e) when (e is TrainingUnavailableException or CheckpointFormatException or GraphException or InvalidDataException
                                       or FileNotFoundException or IOException or UnauthorizedAccessException or AlignerUnavailableException
                                       or InvalidOperationException)
        {
            await errors.WriteLineAsync($"dipper finetune: {e.Message}");
            return 1;
        }
    }

    /// <summary>
    /// Fits the best student's class offsets to the teacher's call rates (<see cref="CallRateMatching"/>); a student
    /// too far from its teacher's calls, or whose output is not a log-softmax over a linear layer, is written as trained,
    /// and the user is told why. Returns the matching and the student with its offsets, or nulls when it is written as trained.
    /// </summary>
    private static async Task<(CallRateMatching? Matching, ModelGraph? Matched)> MatchCallRatesAsync(Distillation distillation, ModelGraph best, int blank,
        TextWriter output, TextWriter errors)
    {
        var callRates = distillation.MatchCallRates(best, blank);
        if (!callRates.IsWithinReach)
        {
            await errors.WriteLineAsync(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"dipper finetune: the student is written as trained, without call-rate matching: it called {callRates.CallsBefore.Sum():N0} bases where the teacher called {callRates.TeacherCalls.Sum():N0}, ") +
                $"further than offsets of at most {CallRateMatching.MaxOffset} reach; train it longer");
            return (null, null);
        }
        ModelGraph matched;
        try
        {
            matched = callRates.Apply(best);
        }
        catch (GraphException e)
        {
            await errors.WriteLineAsync($"dipper finetune: the student is written as trained, without call-rate matching: {e.Message}");
            return (null, null);
        }
        await output.WriteLineAsync($"dipper finetune: {FinetuneProvenance.CallRateLine(callRates)[2..]}");
        return (callRates, matched);
    }

    /// <summary>
    /// The activations <c>--match-layers</c> can compare (<see cref="LayerMatching.SharedActivations"/>), checked before
    /// any read is loaded: those of another shape than the teacher's (a widened student's) are named and left out; when
    /// none is left the user is told to fine-tune without layer matching.
    /// </summary>
    private static async Task<int> MatchableLayersAsync(ModelGraph student, ModelGraph teacher, TextWriter errors)
    {
        var (matched, other) = (LayerMatching.SharedActivations(student, teacher), LayerMatching.ActivationsOfOtherShape(student, teacher));
        if (other.Count > 0)
        {
            var first = other[0];
            await errors.WriteLineAsync($"dipper finetune: --match-layers: {other.Count} activations the student names as the teacher does differ in shape " +
                $"(e.g. '{first}': {student.Shapes[first]} in the student, {teacher.Shapes[first]} in the teacher; a widened model's are wider) and are not matched" +
                (matched.Count > 0 ? $"; {matched.Count} are" : ""));
        }
        if (matched.Count == 0)
            await errors.WriteLineAsync("dipper finetune: --match-layers: no activation of the student can be matched with the teacher's; fine-tune without --match-layers (the output alone)");
        return matched.Count;
    }
}
