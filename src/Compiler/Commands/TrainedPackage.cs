using System.Text.Json;
using System.Text.Json.Nodes;
using Dipper.Basecaller.Models;
using Dipper.Compiler.Compilation;
using Dipper.Compiler.Export;
using Dipper.Compiler.Graph;
using Dipper.Compiler.Import;
using Dipper.Compiler.Passes;

namespace Dipper.Compiler.Commands;

/// <summary>
/// How a training command (<c>dipper finetune</c>, <c>dipper train</c>) writes its result: a float ONNX package (a pooled
/// model's two parts, <see cref="PooledPackage"/>, when it pools) with
/// the starting model's manifest (alphabet, chunking, normalisation), its provenance plus the training's record
/// and pass, and a report.md, staged beside the output and published whole (<see cref="PublishStage"/>), so
/// compile and basecall take it like any other package and a failed run leaves none behind.
/// </summary>
public static class TrainedPackage
{
    /// <summary>Writes and publishes the package of <paramref name="trained"/> to <paramref name="output"/>.</summary>
    /// <param name="start">The model training started from (its manifest and provenance are carried over).</param>
    /// <param name="trained">The trained graph.</param>
    /// <param name="command">The command, recorded as the package's compiler ("dipper train").</param>
    /// <param name="passName">The pass appended to the provenance's passes.</param>
    /// <param name="provenanceKey">The provenance entry that holds <paramref name="record"/> ("finetune", "train").</param>
    /// <param name="record">What the training did (data, steps, losses, time).</param>
    /// <param name="report">report.md.</param>
    /// <param name="output">The package folder.</param>
    /// <param name="cancellationToken">Stops before publishing.</param>
    public static async Task WriteAsync(ModelSource start, ModelGraph trained, string command, string passName, string provenanceKey,
        JsonElement record, string report, string output, CancellationToken cancellationToken)
    {
        var staging = PublishStage.StagingFolder(output);
        try
        {
            Directory.CreateDirectory(staging);
            var manifest = start.Manifest;
            var provenance = new Dictionary<string, JsonElement>(start.Provenance)
            {
                ["compiler"] = JsonSerializer.SerializeToElement(command),
                ["passes"] = JsonSerializer.SerializeToElement(Passes(manifest, passName)),
                [provenanceKey] = record,
            };
            if (manifest.Pooling is { } pooling)
            {
                // A pooled model goes out as it came in: two parts, with the scale r training left it at.
                var (parts, split) = await PooledPackage.WritePartsAsync(staging, trained, manifest, pooling.Window, cancellationToken);
                if (provenance.TryGetValue("pooling", out var rewrite) && JsonNode.Parse(rewrite.GetRawText()) is JsonObject pooledRecord)
                {
                    pooledRecord["trained"] = true;
                    pooledRecord["scale"] = split.Scale;
                    provenance["pooling"] = JsonSerializer.SerializeToElement(pooledRecord);
                }
                ModelPackage.WriteManifest(staging, parts with { Provenance = provenance });
            }
            else
            {
                var onnx = OnnxExporter.Export(trained);
                await File.WriteAllBytesAsync(Path.Combine(staging, ModelCompilation.OnnxFile), onnx, cancellationToken);
                ModelPackage.WriteManifest(staging, manifest with
                {
                    Files = ModelCompilation.FloatOnnxFiles(manifest, onnx),
                    Provenance = provenance,
                });
            }
            await File.WriteAllTextAsync(Path.Combine(staging, ModelCompilation.ReportFile), report, cancellationToken);
            cancellationToken.ThrowIfCancellationRequested();
            PublishStage.Run(staging, output);
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
    }

    private static string[] Passes(ModelManifest manifest, string passName)
    {
        var earlier = manifest.Provenance.TryGetValue("passes", out var p) && p.ValueKind == JsonValueKind.Array
            ? p.EnumerateArray().Select(e => e.GetString() ?? "").ToArray()
            : [FoldBatchNorm.PassName];
        return [.. earlier, passName];
    }
}
