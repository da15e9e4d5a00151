using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Dipper.Compiler.Labelling;
using Dipper.Compiler.Training;

namespace Dipper.Compiler.Commands;

/// <summary>
/// How a CTC training is recorded in its package: the <c>train</c> object of the manifest's provenance (the label
/// set's files with their hashes, what it was labelled from, the held-out reads, steps, losses, learning rate, time)
/// and the report.md, so whoever runs the package can tell what it was trained on and how far it got.
/// </summary>
public static class TrainProvenance
{
    /// <summary>The manifest's <c>train</c> object.</summary>
    public static JsonElement ToJson(TrainCommand.Request request, TrainingOptions options, LabelSet labels, CtcTraining ctc, TrainingResult result)
    {
        var m = labels.Metadata;
        return JsonSerializer.SerializeToElement(new Dictionary<string, object?>
        {
            ["method"] = "CTC on reference-labelled chunks (dipper label)",
            ["labels"] = new Dictionary<string, object>
            {
                ["folder"] = Path.GetFileName(Path.GetFullPath(request.Labels).TrimEnd(Path.DirectorySeparatorChar)),
                ["files"] = LabelFiles(request.Labels).ToArray(),
                ["labelledWith"] = new Dictionary<string, string> { ["model"] = m.Model, ["sha256"] = m.ModelSha256 },
                ["reference"] = new Dictionary<string, string> { ["file"] = Path.GetFileName(m.Reference.Path), ["sha256"] = m.Reference.Sha256 },
                ["readFiles"] = m.Reads.Count,
            },
            ["data"] = new Dictionary<string, object>
            {
                ["trainingReads"] = ctc.TrainingReads.Count,
                ["trainingChunks"] = ctc.TrainingChunks,
                ["validationReads"] = ctc.ValidationReads.ToArray(),
                ["validationChunks"] = ctc.ValidationChunks,
                ["unusableChunks"] = ctc.Unusable,
                ["validationSplit"] = $"read held out when SHA-256(read id) mod {request.ValidationEvery} = 0",
            },
        }.WithLoop(options, result).Where(p => p.Value is not null).ToDictionary());
    }

    /// <summary>report.md of a CTC-trained package.</summary>
    public static string Report(TrainCommand.Request request, TrainingOptions options, LabelSet labels, CtcTraining ctc, TrainingResult result, string model)
    {
        var inv = CultureInfo.InvariantCulture;
        var text = new StringBuilder()
            .AppendLine(inv, $"# dipper train: {Path.GetFileName(Path.GetFullPath(request.Output).TrimEnd(Path.DirectorySeparatorChar))}").AppendLine()
            .AppendLine(inv, $"- model: {model} ({request.Model ?? $"fresh weights (seed {request.Seed}) of the architecture {request.Architecture}"}); labels: {request.Labels} (labelled with {labels.Metadata.Model} against {Path.GetFileName(labels.Metadata.Reference.Path)})")
            .AppendLine(inv, $"- data: {ctc.TrainingChunks} chunks from {ctc.TrainingReads.Count} reads; validation: {ctc.ValidationChunks} chunks from {ctc.ValidationReads.Count} held-out reads; {ctc.Unusable} chunks left out (label too long)")
            .AppendLine(inv, $"- {result.Steps} steps of {options.Batch} chunks, Adam lr {options.LearningRate} (cosine), CTC loss per base, {result.Seconds:F0} s{(result.ResumedFrom is { } r ? $", resumed from step {r}" : "")}")
            .AppendLine(inv, $"- {result.MaskedWeights.Values.Sum():N0} zero weights in {result.MaskedWeights.Count} tensors held at zero")
            .AppendLine(inv, $"- training loss {result.FirstLoss:F4} → {result.LastLoss:F4}; the package holds the model of step {result.BestStep}")
            .AppendLine().AppendLine("| step | held-out CTC loss |").AppendLine("|---|---|");
        foreach (var v in result.Validations) text.AppendLine(inv, $"| {v.Step} | {v.Loss:F4} |");
        return text.ToString();
    }

    /// <summary>The label set's four files with their SHA-256: together they are the data trained on.</summary>
    private static IEnumerable<Dictionary<string, string>> LabelFiles(string folder)
    {
        foreach (var name in new[] { LabelSet.ChunksFile, LabelSet.ReferencesFile, LabelSet.LengthsFile, LabelSet.MetadataFile })
        {
            using var stream = File.OpenRead(Path.Combine(folder, name));
            yield return new Dictionary<string, string> { ["file"] = name, ["sha256"] = Convert.ToHexStringLower(SHA256.HashData(stream)) };
        }
    }
}
