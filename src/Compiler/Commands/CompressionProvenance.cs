using System.Globalization;
using System.Text;
using System.Text.Json;
using Dipper.Compiler.Passes.Compression;

namespace Dipper.Compiler.Commands;

/// <summary>
/// How a compression is recorded in a package: the <c>compression</c> object of the manifest's
/// provenance (method, sparsity, n:m, per-layer records, totals) and the per-layer table of report.md,
/// so whoever runs the package can see what was pruned or factorised and how much each layer lost.
/// </summary>
public static class CompressionProvenance
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>
    /// Sets the manifest's <c>compression</c> object to <paramref name="model"/>'s. A model compressed before keeps
    /// what was done to it first: its <c>compression</c> moves to the end of <c>earlierCompressions</c>, so a package
    /// cut in cycles (30 %, fine-tuned, then 50 %) says every cut it went through.
    /// </summary>
    public static void Record(IDictionary<string, JsonElement> provenance, CompressedModel model)
    {
        if (provenance.TryGetValue("compression", out var earlier))
        {
            var list = provenance.TryGetValue("earlierCompressions", out var before) && before.ValueKind == JsonValueKind.Array
                ? before.EnumerateArray().ToList()
                : [];
            list.Add(earlier);
            provenance["earlierCompressions"] = JsonSerializer.SerializeToElement(list);
        }
        provenance["compression"] = ToJson(model);
    }

    /// <summary>The manifest's <c>compression</c> object.</summary>
    public static JsonElement ToJson(CompressedModel model)
    {
        var options = model.Options;
        return JsonSerializer.SerializeToElement(new Dictionary<string, object?>
        {
            ["method"] = options.MethodName,
            ["sparsity"] = options.Sparsity,
            ["nm"] = options.Pattern?.ToString(),
            ["calibrationChunks"] = model.CalibrationChunks,
            ["recalibrate"] = options.Recalibrate,
            ["fitDenseOutput"] = options.FitDenseOutput,
            ["keepDense"] = options.KeepDense.IsEmpty ? null : options.KeepDense.Items,
            ["ksepOrder"] = options.KSeparableOrder == Passes.Factorization.KSeparableOrder.DepthwiseFirst ? "depthwise-first" : null,
            ["layers"] = model.Layers.Select(l => new Dictionary<string, object?>
            {
                ["layer"] = l.Layer,
                ["kind"] = l.Kind,
                ["shape"] = l.Shape,
                ["method"] = l.Method,
                ["note"] = l.Note,
                ["weights"] = l.Weights,
                ["deployedWeights"] = l.DeployedWeights,
                ["nonzeros"] = l.Nonzeros,
                ["innerChannels"] = l.InnerChannels,
                ["sparsity"] = Math.Round(l.Sparsity, 5),
                ["relativeError"] = Math.Round(l.RelativeError, 7),
                ["fittedToDenseOutput"] = l.FittedToDenseOutput,
                ["recalibrated"] = l.Recalibrated,
                ["denseErrorBeforeRecalibration"] = l.DenseErrorBeforeRecalibration is { } b ? Math.Round(b, 7) : null,
                ["denseError"] = l.DenseError is { } d ? Math.Round(d, 7) : null,
                ["seconds"] = Math.Round(l.Seconds, 3),
            }.Where(p => p.Value is not null).ToDictionary()).ToArray(),
            ["totals"] = new Dictionary<string, object>
            {
                ["originalParameters"] = model.OriginalParameters,
                ["parameters"] = model.Parameters,
                ["nonzeroParameters"] = model.NonzeroParameters,
                ["layerWeights"] = model.LayerWeights,
                ["layerDeployedWeights"] = model.LayerDeployedWeights,
                ["layerNonzeros"] = model.LayerNonzeros,
                ["sparsity"] = Math.Round(model.Sparsity, 5),
                ["compressedLayerSparsity"] = Math.Round(model.CompressedLayerSparsity, 5),
                ["keptDenseLayers"] = model.KeptDenseLayers,
                ["keptDenseWeights"] = model.KeptDenseWeights,
                ["seconds"] = Math.Round(model.Layers.Sum(l => l.Seconds), 2),
            },
        }.Where(p => p.Value is not null).ToDictionary(), Json);
    }

    /// <summary>The body of report.md's compression section: a summary line and one table row per layer.</summary>
    public static string Report(CompressedModel model)
    {
        var inv = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine(string.Create(inv,
            $"{model.Options.Description}, every layer calibrated on {model.CalibrationChunks} chunks as the compressed layers before it transform them" +
            $"{(model.Options.Recalibrate ? ", then its output channels matched to the dense model's mean and spread (error against the dense model: before → after). " : ". ")}" +
            $"{model.Layers.Count} layers: {model.LayerNonzeros:N0} of {model.LayerWeights:N0} weights are nonzero ({model.Sparsity:P1} sparse){KeptText(model)}; " +
            $"the layers hold {model.LayerDeployedWeights:N0} weights as dense tensors (multiply-adds per frame on a dense accelerator). " +
            $"Model: {model.NonzeroParameters:N0} nonzero of {model.Parameters:N0} parameters (was {model.OriginalParameters:N0})."));
        text.AppendLine();
        text.AppendLine("| layer | kind | shape | method | sparsity | rel. error | dense weights | s | note |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var l in model.Layers)
            text.AppendLine(string.Create(inv,
                $"| {l.Layer} | {l.Kind} | {l.Shape} | {l.Method} | {(l.Nonzeros > l.Weights ? "none (more weights)" : l.Sparsity.ToString("P1", inv))} | {l.RelativeError:0.####e+0} | {l.DeployedWeights:N0}{(l.InnerChannels is { } r ? $" (r = {r})" : "")} | {l.Seconds:0.00} | {Recalibration(l)}{l.Note} |"));
        return text.ToString();
    }

    /// <summary>", of which K layers (W weights) kept dense; the compressed layers are X sparse", or nothing when none was kept.</summary>
    public static string KeptText(CompressedModel model) => model.KeptDenseLayers == 0 ? "" : string.Create(CultureInfo.InvariantCulture,
        $" over all layers, {model.KeptDenseLayers} of them ({model.KeptDenseWeights:N0} weights) kept dense; the compressed layers are {model.CompressedLayerSparsity:P1} sparse");

    /// <summary>"sparsity 50.0 %", or for a rewrite that adds weights (KSeparable) "weights 1,280 → 19,600".</summary>
    private static string Size(LayerCompressionRecord l) => l.Nonzeros > l.Weights
        ? string.Create(CultureInfo.InvariantCulture, $"weights {l.Weights:N0} → {l.DeployedWeights:N0}")
        : string.Create(CultureInfo.InvariantCulture, $"sparsity {l.Sparsity:P1}");

    private static string Recalibration(LayerCompressionRecord l) => (l.DenseError, l.Recalibrated) switch
    {
        ({ } after, true) => string.Create(CultureInfo.InvariantCulture, $"recalibrated, {l.DenseErrorBeforeRecalibration:0.###e+0} → {after:0.###e+0}{(l.Note is null ? "" : "; ")}"),
        ({ } error, false) => string.Create(CultureInfo.InvariantCulture, $"not recalibrated, against dense {error:0.###e+0}{(l.Note is null ? "" : "; ")}"),
        _ => "",
    };

    /// <summary>One progress line per layer, for the console.</summary>
    public static string Line(LayerCompressionRecord l) => string.Create(CultureInfo.InvariantCulture,
        $"  {l.Layer} ({l.Kind} {l.Shape}): {l.Method}, {Size(l)}, relative error {l.RelativeError:0.####e+0}{(l.FittedToDenseOutput ? " (fitted to the dense output)" : "")}{(l.DenseError is { } d ? l.Recalibrated ? $", against dense {l.DenseErrorBeforeRecalibration:0.###e+0} → {d:0.###e+0}" : $", against dense {d:0.###e+0}" : "")}, {l.Seconds:0.00} s{(l.Note is null ? "" : $" ({l.Note})")}");
}
