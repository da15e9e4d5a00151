using Dipper.Compiler.Compilation;
using System.CommandLine;
using System.Text.Json;
using Dipper.Basecaller.Models;
using Dipper.Compiler.Export;
using Dipper.Compiler.Graph;
using Dipper.Compiler.Import;
using Dipper.Compiler.Passes;
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
    public sealed record Request(string Model, string Teacher, IReadOnlyList<string> Reads, string Output, int Epochs = 1, int? Steps = null,
        double LearningRate = 1e-3, int Batch = 16, int Threads = 2, double Temperature = 1, int CheckpointEvery = 200, int? ValidateEvery = null,
        bool Resume = false, int ChunksPerRead = 64, int ValidationEvery = 5);

    /// <summary>The pass name recorded in the output's provenance.</summary>
    public const string PassName = "finetune-distillation";

    /// <summary>The checkpoint file beside <paramref name="output"/>.</summary>
    public static string CheckpointPath(string output) => Path.GetFullPath(output).TrimEnd(Path.DirectorySeparatorChar) + ".finetune-checkpoint";

    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "The model to train (the student), e.g. a package from dipper compress", Required = true };
        var teacher = new Option<string>("--teacher") { Description = "The model to learn from (e.g. the dense model): package folder, ONNX file with its manifest, or .pth", Required = true };
        var reads = new Option<string[]>("--reads", "-r") { Description = "Signal files or folders (POD5, FAST5, SLOW5, BLOW5); no reference needed", Required = true, AllowMultipleArgumentsPerToken = true };
        var output = new Option<string>("--output", "-o") { Description = "Package folder to write (files it holds are replaced)", Required = true };
        var epochs = new Option<int?>("--epochs") { Description = "Passes over the training chunks (default 1)" };
        var steps = new Option<int?>("--steps") { Description = "Optimiser steps (instead of --epochs)" };
        var lr = new Option<double>("--lr") { Description = "Adam's peak learning rate (cosine decay to 0)", DefaultValueFactory = _ => 1e-3 };
        var batch = new Option<int>("--batch") { Description = "Chunks per step", DefaultValueFactory = _ => 16 };
        var threads = new Option<int>("--threads") { Description = "libtorch threads", DefaultValueFactory = _ => Math.Max(1, Environment.ProcessorCount) };
        var temperature = new Option<double>("--temperature") { Description = "Softens both posteriors in the KL loss", DefaultValueFactory = _ => 1 };
        var checkpointEvery = new Option<int>("--checkpoint-every") { Description = "Write a checkpoint beside the output every N steps (0: never)", DefaultValueFactory = _ => 200 };
        var validateEvery = new Option<int?>("--validate-every") { Description = "Validate on the held-out reads every N steps (default: once an epoch)" };
        var resume = new Option<bool>("--resume") { Description = "Continue from the checkpoint beside the output (after a kill)" };
        var perRead = new Option<int>("--chunks-per-read") { Description = "At most this many chunks from one read", DefaultValueFactory = _ => 64 };
        var holdOut = new Option<int>("--validation-every") { Description = "Hold out one read in N (chosen by read id) for validation", DefaultValueFactory = _ => 5 };
        var command = new Command("finetune",
            "Distil a teacher into a (compressed) model on unlabelled reads, keeping its zeros; write the best student as a float ONNX package")
        {
            model, teacher, reads, output, epochs, steps, lr, batch, threads, temperature, checkpointEvery, validateEvery, resume, perRead, holdOut,
        };
        command.Validators.Add(result =>
        {
            if (result.GetResult(epochs) is not null && result.GetResult(steps) is not null) result.AddError("--epochs and --steps are alternatives");
        });
        AtLeast(epochs, 1);
        AtLeast(steps, 1);
        AtLeast(batch, 1);
        AtLeast(perRead, 1);
        AtLeast(holdOut, 2);
        AtLeast(checkpointEvery, 0);
        AtLeast(validateEvery, 1);
        Positive(lr);
        Positive(temperature);
        command.SetAction(async (result, ct) =>
        {
            var request = new Request(result.GetValue(model)!, result.GetValue(teacher)!, result.GetValue(reads)!, result.GetValue(output)!,
                result.GetValue(epochs) ?? 1, result.GetValue(steps), result.GetValue(lr), result.GetValue(batch), result.GetValue(threads),
                result.GetValue(temperature), result.GetValue(checkpointEvery), result.GetValue(validateEvery), result.GetValue(resume),
                result.GetValue(perRead), result.GetValue(holdOut));
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
        var staging = PublishStage.StagingFolder(request.Output);
        try
        {
            TorchRuntime.Start(request.Threads);
            var student = await ModelSource.LoadAsync(request.Model, cancellationToken);
            var teacher = await ModelSource.LoadAsync(request.Teacher, cancellationToken);
            var manifest = student.Manifest;
            if (teacher.Manifest.Alphabet != manifest.Alphabet || teacher.Manifest.Stride != manifest.Stride)
                throw new InvalidDataException($"{request.Teacher}: the teacher's alphabet and stride ({teacher.Manifest.Alphabet}, {teacher.Manifest.Stride}) " +
                    $"are not the student's ({manifest.Alphabet}, {manifest.Stride}); distillation compares their frames one by one");
            var reads = await DistillationReads.LoadAsync(request.Reads, manifest, request.ChunksPerRead, request.ValidationEvery, cancellationToken);
            foreach (var problem in reads.Problems.Take(5)) await errors.WriteLineAsync($"dipper finetune: {problem}");
            if (reads.Problems.Count > 5) await errors.WriteLineAsync($"dipper finetune: … and {reads.Problems.Count - 5} more files or reads skipped");
            var perEpoch = (reads.Training.Count + request.Batch - 1) / request.Batch;
            var options = new DistillationOptions
            {
                Steps = request.Steps ?? request.Epochs * perEpoch,
                Batch = request.Batch,
                LearningRate = request.LearningRate,
                Temperature = request.Temperature,
                ValidateEvery = request.ValidateEvery ?? perEpoch,
                CheckpointEvery = request.CheckpointEvery,
                CheckpointPath = CheckpointPath(request.Output),
                Resume = request.Resume,
            };
            await output.WriteLineAsync($"dipper finetune: {manifest.Name} from {request.Model}, teacher {teacher.Manifest.Name} from {request.Teacher}; " +
                $"{reads.Training.Count} training chunks from {reads.TrainingReads.Count} reads, {reads.Validation.Count} validation chunks from " +
                $"{reads.ValidationReads.Count} held-out reads ({reads.Files.Count} files); {options.Steps} steps of {options.Batch} chunks");
            // BatchNorm folded: a compressed package has none left, and the exported student must be the graph that was trained.
            var result = Distillation.Run(FoldBatchNorm.Apply(student.Graph), teacher.Graph, reads.Training, reads.Validation, options,
                output, errors, terminal, cancellationToken);

            Directory.CreateDirectory(staging);
            var onnx = OnnxExporter.Export(result.Best);
            await File.WriteAllBytesAsync(Path.Combine(staging, ModelCompilation.OnnxFile), onnx, cancellationToken);
            var provenance = new Dictionary<string, JsonElement>(student.Provenance)
            {
                ["compiler"] = JsonSerializer.SerializeToElement("dipper finetune"),
                ["passes"] = JsonSerializer.SerializeToElement(Passes(manifest)),
                ["finetune"] = FinetuneProvenance.ToJson(request, options, reads, result, teacher),
            };
            ModelPackage.WriteManifest(staging, manifest with
            {
                Files = new ModelFiles
                {
                    Onnx = ModelCompilation.OnnxFile,
                    OnnxInput = manifest.Files.OnnxInput ?? SbonitoMapper.InputName,
                    OnnxOutput = manifest.Files.OnnxOutput ?? SbonitoMapper.OutputName,
                    Sha256 = new Dictionary<string, string> { [ModelCompilation.OnnxFile] = ModelSource.Sha256(onnx) },
                },
                Provenance = provenance,
            });
            await File.WriteAllTextAsync(Path.Combine(staging, ModelCompilation.ReportFile),
                FinetuneProvenance.Report(request, options, reads, result, teacher.Manifest.Name), cancellationToken);
            PublishStage.Run(staging, request.Output);
            File.Delete(options.CheckpointPath);
            var best = result.BestValidation;
            await output.WriteLineAsync(FormattableString.Invariant(
                $"dipper finetune: package written to {request.Output}: step {result.BestStep} of {result.Steps}, frame agreement with the teacher {result.Validations[0].FrameAgreement:P2} → {best.FrameAgreement:P2}"));
            return 0;
        }
        catch (Exception e) when (e is TrainingUnavailableException or CheckpointFormatException or GraphException or InvalidDataException
                                       or FileNotFoundException or IOException or UnauthorizedAccessException)
        {
            await errors.WriteLineAsync($"dipper finetune: {e.Message}");
            return 1;
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
    }

    private static void AtLeast<T>(Option<T> option, int least) => option.Validators.Add(result =>
    {
        if (Convert.ToInt64(result.GetValueOrDefault<T>(), System.Globalization.CultureInfo.InvariantCulture) < least)
            result.AddError($"{option.Name} must be at least {least}");
    });

    private static void Positive(Option<double> option) => option.Validators.Add(result =>
    {
        if (result.GetValueOrDefault<double>() is not > 0) result.AddError($"{option.Name} must be positive");
    });

    private static string[] Passes(ModelManifest manifest)
    {
        var earlier = manifest.Provenance.TryGetValue("passes", out var p) && p.ValueKind == JsonValueKind.Array
            ? p.EnumerateArray().Select(e => e.GetString() ?? "").ToArray()
            : [FoldBatchNorm.PassName];
        return [.. earlier, PassName];
    }
}
