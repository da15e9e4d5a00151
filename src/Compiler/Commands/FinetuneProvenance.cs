using System.Globalization;
using System.Text;
using System.Text.Json;
using Dipper.Compiler.Training;

namespace Dipper.Compiler.Commands;

/// <summary>
/// How a fine-tuning is recorded in its package: the <c>finetune</c> object of the manifest's provenance (the teacher,
/// the read files with their hashes, the held-out reads, steps, losses, temperature, learning rate, time) and the
/// report.md, so whoever runs the package can tell what it learned from and how far it got.
/// </summary>
public static class FinetuneProvenance
{
    /// <summary>The manifest's <c>finetune</c> object.</summary>
    public static JsonElement ToJson(FinetuneCommand.Request request, TrainingOptions options, DistillationReads reads,
        TrainingResult result, ModelSource teacher, CallRateMatching? callRates = null)
    {
        var best = result.BestValidation;
        return JsonSerializer.SerializeToElement(new Dictionary<string, object?>
        {
            ["method"] = "knowledge distillation, per-frame KL(teacher || student)",
            ["teacher"] = new Dictionary<string, object?>
            {
                ["name"] = teacher.Manifest.Name,
                ["path"] = Path.GetFileName(Path.GetFullPath(request.Teacher).TrimEnd(Path.DirectorySeparatorChar)),
                ["sha256"] = teacher.SourceSha256,
            },
            ["data"] = new Dictionary<string, object>
            {
                ["files"] = reads.Files.Select(f => new Dictionary<string, string> { ["file"] = f.Name, ["sha256"] = f.Sha256 }).ToArray(),
                ["trainingReads"] = reads.TrainingReads.Count,
                ["trainingChunks"] = reads.Training.Count,
                ["validationReads"] = reads.ValidationReads.ToArray(),
                ["validationChunks"] = reads.Validation.Count,
                ["validationSplit"] = $"read held out when SHA-256(read id) mod {request.ValidationEvery} = 0",
            },
            ["temperature"] = request.Temperature,
            ["loss"] = LossText(request),
            ["seed"] = request.Seed,
            ["start"] = request.Fresh ? $"fresh weights drawn from seed {request.Seed}" : "the model's weights",
            ["frameAgreement"] = new Dictionary<string, double>
            {
                ["before"] = Math.Round(result.Validations[0].FrameAgreement ?? double.NaN, 5),
                ["best"] = Math.Round(best.FrameAgreement ?? double.NaN, 5),
            },
            ["reference"] = request.Reference is { } reference
                ? new Dictionary<string, string> { ["file"] = Path.GetFileName(reference), ["sha256"] = Sha256(reference) }
                : null,
            ["identity"] = best.Identity is { } bestIdentity
                ? new Dictionary<string, object>
                {
                    ["before"] = Math.Round(result.Validations[0].Identity ?? double.NaN, 5),
                    ["best"] = Math.Round(bestIdentity, 5),
                    ["heldOutReads"] = reads.HeldOutSignals.Count,
                    ["measure"] = "mean over held-out reads of minimap2 matches / alignment columns (unmapped reads 0), greedy calls",
                }
                : null,
            ["pruning"] = options.Pruning is { } pruning
                ? new Dictionary<string, object>
                {
                    ["method"] = $"{pruning.CriterionName}, layer by layer (depthwise: channel by channel; a DSF factor pair as the one layer it stands for), while training",
                    ["schedule"] = "cubic: s·(1 − (1 − step/endStep)³) (Zhu and Gupta 2017)",
                    ["sparsity"] = pruning.Sparsity,
                    ["endStep"] = pruning.EndStep,
                    ["interval"] = pruning.Interval,
                }
                : null,
            ["bestBy"] = best.Identity is null ? "lowest held-out KL" : "highest held-out basecall identity",
            ["callRates"] = callRates is null ? null : new Dictionary<string, object>
            {
                ["method"] = "offsets added to the output layer's class scores so that the student's greedy calls hold as many of each base as the teacher's, on the validation chunks",
                ["alphabet"] = teacher.Manifest.Alphabet,
                ["offsets"] = callRates.Offsets.Select(o => Math.Round(o, 5)).ToArray(),
                ["teacherCalls"] = callRates.TeacherCalls,
                ["callsBefore"] = callRates.CallsBefore,
                ["callsAfter"] = callRates.CallsAfter,
                ["chunks"] = callRates.Chunks,
            },
        }.WithLoop(options, result).Where(p => p.Value is not null).ToDictionary());
    }

    /// <summary>What the training loss was, in words: the KL, its base-frame weight and the layer-matching term.</summary>
    private static string LossText(FinetuneCommand.Request request) => FormattableString.Invariant(
        $"per-frame KL of the output{(request.BaseFrameWeight == 1 ? "" : $", frames weighted 1 + {request.BaseFrameWeight - 1} × the teacher's probability of a base")}") +
        (request.MatchLayers == 0 ? "" : FormattableString.Invariant($" + {request.MatchLayers} × mean normalised squared error of the shared activations (layer matching)"));

    /// <summary>report.md of a fine-tuned package.</summary>
    public static string Report(FinetuneCommand.Request request, TrainingOptions options, DistillationReads reads, TrainingResult result, string teacher,
        CallRateMatching? callRates = null)
    {
        var inv = CultureInfo.InvariantCulture;
        var text = new StringBuilder()
            .AppendLine(inv, $"# dipper finetune: {Path.GetFileName(Path.GetFullPath(request.Output).TrimEnd(Path.DirectorySeparatorChar))}").AppendLine()
            .AppendLine(inv, $"- student: {request.Model}{(request.Fresh ? $" (its architecture, fresh weights from seed {request.Seed})" : "")}; teacher: {teacher} ({request.Teacher})")
            .AppendLine(inv, $"- data: {reads.Training.Count} chunks from {reads.TrainingReads.Count} reads; validation: {reads.Validation.Count} chunks from {reads.ValidationReads.Count} held-out reads ({reads.Files.Count} files)")
            .AppendLine(inv, $"- {result.Steps} steps of {options.Batch} chunks, Adam lr {options.LearningRate} (cosine), temperature {request.Temperature}, loss: {LossText(request)}, {result.Seconds:F0} s{(result.ResumedFrom is { } r ? $", resumed from step {r}" : "")}")
            .Append(inv, $"- {result.MaskedWeights.Values.Sum():N0} zero weights in {result.MaskedWeights.Count} tensors held at zero")
            .AppendLine(options.Pruning is { } pruning
                ? string.Create(inv, $", pruned while training to {pruning.Sparsity:P1} of each layer by step {pruning.EndStep} ({pruning.CriterionName}, cubic schedule)") : "")
            .AppendLine(inv, $"- training loss {result.FirstLoss:F4} → {result.LastLoss:F4}; the package holds the student of step {result.BestStep}")
            .Append(callRates is null ? "" : CallRateLine(callRates) + Environment.NewLine)
            .AppendLine().AppendLine("| step | validation loss | frame agreement with the teacher | basecall identity |").AppendLine("|---|---|---|---|");
        foreach (var v in result.Validations) text.AppendLine(inv, $"| {v.Step} | {v.Loss:F4} | {v.FrameAgreement:P2} | {(v.Identity is { } i ? i.ToString("P2", inv) : "–")} |");
        return text.ToString();
    }

    /// <summary>One line on the call-rate matching: the student's calls before and after, against the teacher's.</summary>
    public static string CallRateLine(CallRateMatching callRates) => string.Create(CultureInfo.InvariantCulture,
        $"- call rates matched to the teacher's on {callRates.Chunks} validation chunks: {callRates.CallsBefore.Sum():N0} → {callRates.CallsAfter.Sum():N0} greedy calls " +
        $"(teacher {callRates.TeacherCalls.Sum():N0}), class offsets {string.Join(" ", callRates.Offsets.Select(o => o.ToString("+0.000;-0.000;0", CultureInfo.InvariantCulture)))}");

    private static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(stream));
    }
}
