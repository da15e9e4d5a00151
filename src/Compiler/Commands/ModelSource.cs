using System.Security.Cryptography;
using System.Text.Json;
using Dipper.Basecaller.Models;
using Dipper.Compiler.Graph;
using Dipper.Compiler.Import;

namespace Dipper.Compiler.Commands;

/// <summary>A model to compile: its graph, how it must be run, and where it came from.</summary>
/// <param name="Graph">The network as imported (BatchNorm possibly still separate).</param>
/// <param name="Manifest">Run settings (alphabet, stride, chunking, normalisation) to carry into the compiled package.</param>
/// <param name="Provenance">Source file and hash, upstream and earlier passes, carried into the new manifest.</param>
public sealed record ModelSource(ModelGraph Graph, ModelManifest Manifest, Dictionary<string, JsonElement> Provenance)
{
    /// <summary>SHA-256 of the file the model was loaded from (its ONNX model or checkpoint), as the provenance records it.</summary>
    public string? SourceSha256 =>
        (Provenance.TryGetValue("compiledFrom", out var from) || Provenance.TryGetValue("source", out from))
        && from.ValueKind == JsonValueKind.Object && from.TryGetProperty("sha256", out var hash) ? hash.GetString() : null;

    /// <summary>
    /// Loads a PyTorch checkpoint of the default model, a model package folder, or an ONNX file
    /// beside a manifest.json. ONNX import covers the files Dipper itself exports (see
    /// <see cref="OnnxImporter"/>), not ONNX in general.
    /// </summary>
    /// <exception cref="CheckpointFormatException">The checkpoint is not the default model.</exception>
    /// <exception cref="InvalidDataException">The package or ONNX file cannot be used.</exception>
    public static async Task<ModelSource> LoadAsync(string path, CancellationToken cancellationToken)
    {
        if (Directory.Exists(path))
        {
            var package = ModelPackage.Load(path);
            if (package.Manifest.Pooling is { } pooling) return await FromPooledPartsAsync(package, pooling, cancellationToken);
            var onnx = package.OnnxPath ?? throw new InvalidDataException($"{package.Directory}: the package has no float ONNX model to compile from");
            return await FromOnnxAsync(onnx, package.Manifest, cancellationToken);
        }
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such model file or package folder", path);
        if (path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
        {
            var manifestPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, ModelPackage.ManifestFileName);
            if (!File.Exists(manifestPath))
                throw new InvalidDataException($"{path}: an ONNX model needs the manifest.json of its package beside it (chunking, normalisation, alphabet)");
            var package = ModelPackage.Load(Path.GetDirectoryName(manifestPath)!);
            return await FromOnnxAsync(path, package.Manifest, cancellationToken);
        }
        var bytes = await File.ReadAllBytesAsync(path, cancellationToken);
        var name = Path.GetFileName(path);
        StateDict stateDict;
        using (var stream = new MemoryStream(bytes, writable: false))
            stateDict = TorchCheckpoint.Read(stream, name);
        var graph = SbonitoMapper.ToGraph(stateDict, name);
        var provenance = new Dictionary<string, JsonElement>
        {
            ["source"] = JsonSerializer.SerializeToElement(new Dictionary<string, string> { ["file"] = name, ["sha256"] = Sha256(bytes) }),
            ["upstream"] = JsonSerializer.SerializeToElement("fmfi-compbio/osprey (Apache-2.0)"),
        };
        var manifest = SbonitoMapper.Manifest(new ModelFiles(), provenance);
        return new ModelSource(graph, manifest, provenance);
    }

    /// <summary>True when the model pools dynamically (<see cref="ModelManifest.Pooling"/>): its graph has a DynamicPool node.</summary>
    public bool Pools => Manifest.Pooling is not null;

    /// <summary>
    /// Refuses a pooled model for a command that cannot handle one yet: its output frames depend on the read, so
    /// passes that export one network per chunk, or compare frame by frame with another model, do not apply.
    /// </summary>
    /// <param name="program">The command, named in the message.</param>
    /// <exception cref="GraphException">The model pools.</exception>
    public void RefusePooled(string program)
    {
        if (Pools)
            throw new GraphException($"model '{Manifest.Name}' pools dynamically: {program} does not take a pooled model yet " +
                "(dipper train trains one, dipperd basecall runs one)");
    }

    private static async Task<ModelSource> FromOnnxAsync(string onnxPath, ModelManifest manifest, CancellationToken cancellationToken)
    {
        var bytes = await File.ReadAllBytesAsync(onnxPath, cancellationToken);
        var graph = OnnxImporter.Import(bytes, Path.GetFileName(onnxPath));
        return new ModelSource(graph, manifest, CompiledFrom(manifest, Path.GetFileName(onnxPath), Sha256(bytes)));
    }

    /// <summary>A pooled package as the one graph its two parts were cut from (<see cref="PooledModelJoin"/>).</summary>
    private static async Task<ModelSource> FromPooledPartsAsync(ModelPackage package, PoolingSettings pooling, CancellationToken cancellationToken)
    {
        var before = await File.ReadAllBytesAsync(Path.Combine(package.Directory, pooling.Before.Onnx), cancellationToken);
        var after = await File.ReadAllBytesAsync(Path.Combine(package.Directory, pooling.After.Onnx), cancellationToken);
        var graph = PooledModelJoin.Join(before, after, pooling, package.Directory);
        // One hash over both parts, before then after: the pair is the model.
        return new ModelSource(graph, package.Manifest,
            CompiledFrom(package.Manifest, $"{pooling.Before.Onnx} + {pooling.After.Onnx}", Sha256([.. before, .. after])));
    }

    /// <summary>The package's own provenance (its source checkpoint, upstream) with the file compiled from; the new command adds its passes.</summary>
    private static Dictionary<string, JsonElement> CompiledFrom(ModelManifest manifest, string file, string sha256)
    {
        var provenance = new Dictionary<string, JsonElement>(manifest.Provenance)
        {
            ["compiledFrom"] = JsonSerializer.SerializeToElement(new Dictionary<string, string>
            {
                ["file"] = file,
                ["sha256"] = sha256,
            }),
        };
        provenance.Remove("passes");
        provenance.Remove("agreement");
        provenance.Remove("arm64");
        provenance.Remove("calibration");
        return provenance;
    }

    /// <summary>Hex SHA-256 of a file's bytes, as manifests record them.</summary>
    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
