using System.Globalization;
using System.Text;
using System.Text.Json;
using Dipper.Compiler.Calibration;
using Dipper.Compiler.Compilation;
using Dipper.Compiler.Passes.Merging;

namespace Dipper.Compiler.Commands;

/// <summary>
/// How a merge is recorded in its package: the <c>merge</c> object of the manifest's provenance (both parents with
/// their hashes, the calibration reads, the damping, what was kept of every channel set and each refitted layer's
/// error) and report.md, so whoever runs the merged model can tell where each half came from.
/// </summary>
public static class MergeProvenance
{
    /// <summary>The manifest's <c>merge</c> object.</summary>
    public static JsonElement ToJson(MergeCommand.Request request, ModelSource a, ModelSource b, CalibrationSet set, MergedModel merged) =>
        JsonSerializer.SerializeToElement(new Dictionary<string, object?>
        {
            ["method"] = "concatenate, keep half of each channel set by pivoted Cholesky on reader-weighted activations, refit readers by least squares towards the doubled network (training-free)",
            ["parents"] = new[] { Parent(request.First, a), Parent(request.Second, b) },
            ["calibration"] = CalibrateStage.Summary(set),
            ["ridge"] = request.Ridge,
            ["channelSets"] = merged.Choices.Select(c => new Dictionary<string, object>
            {
                ["value"] = c.Value,
                ["width"] = c.Width,
                ["kept"] = c.Kept.Length,
                ["fromFirst"] = c.FromA,
                ["explained"] = Math.Round(c.Explained, 6),
            }).ToArray(),
            ["refits"] = merged.Refits.Select(r => new Dictionary<string, object>
            {
                ["layer"] = r.Layer,
                ["features"] = r.Features,
                ["slicedError"] = Math.Round(r.SlicedError, 6),
                ["refitError"] = Math.Round(r.RefitError, 6),
            }).ToArray(),
        });

    /// <summary>One line per channel set and per refitted layer, for the console.</summary>
    public static IEnumerable<string> Lines(MergedModel merged)
    {
        var inv = CultureInfo.InvariantCulture;
        foreach (var c in merged.Choices)
            yield return string.Create(inv, $"{c.Value}: kept {c.Kept.Length} of {c.Width} channels ({c.FromA} from A, {c.Kept.Length - c.FromA} from B), {c.Explained:P2} of the energy");
        foreach (var r in merged.Refits)
            yield return string.Create(inv, $"{r.Layer}: relative error {r.SlicedError:0.####} cut, {r.RefitError:0.####} refitted");
    }

    /// <summary>report.md of a merged package.</summary>
    public static string Report(MergeCommand.Request request, CalibrationSet set, MergedModel merged)
    {
        var inv = CultureInfo.InvariantCulture;
        var text = new StringBuilder()
            .AppendLine(inv, $"# dipper merge: {Path.GetFileName(Path.GetFullPath(request.Output).TrimEnd(Path.DirectorySeparatorChar))}").AppendLine()
            .AppendLine(inv, $"- A: {request.First}; B: {request.Second}")
            .AppendLine(inv, $"- calibration: {set.Chunks.Count} chunks from {set.CalibrationReads} reads ({set.Files.Count} files); ridge {request.Ridge}")
            .AppendLine().AppendLine("| channel set | kept | from A | from B | energy explained |").AppendLine("|---|---|---|---|---|");
        foreach (var c in merged.Choices)
            text.AppendLine(inv, $"| {c.Value} | {c.Kept.Length} of {c.Width} | {c.FromA} | {c.Kept.Length - c.FromA} | {c.Explained:P2} |");
        text.AppendLine().AppendLine("| layer | inputs per output | error, cut | error, refitted |").AppendLine("|---|---|---|---|");
        foreach (var r in merged.Refits) text.AppendLine(inv, $"| {r.Layer} | {r.Features} | {r.SlicedError:0.######} | {r.RefitError:0.######} |");
        return text.ToString();
    }

    private static Dictionary<string, string?> Parent(string path, ModelSource source) => new()
    {
        ["path"] = Path.GetFileName(Path.GetFullPath(path).TrimEnd(Path.DirectorySeparatorChar)),
        ["sha256"] = source.SourceSha256,
    };
}
