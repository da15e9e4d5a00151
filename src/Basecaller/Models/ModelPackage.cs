using System.Text.Json;
using Dipper.Basecaller.Inference;

namespace Dipper.Basecaller.Models;

/// <summary>
/// A model package: a folder holding <c>manifest.json</c> and the engine files it names. The one
/// format shared by the compiler (which writes it) and the appliance (which runs it).
/// </summary>
public sealed class ModelPackage
{
    /// <summary>File name of the manifest inside a package folder.</summary>
    public const string ManifestFileName = "manifest.json";

    private ModelPackage(string directory, ModelManifest manifest, NetworkTensors? network = null)
    {
        Directory = directory;
        Manifest = manifest;
        Network = network ?? NetworkTensors.Whole(manifest);
    }

    /// <summary>The package folder (absolute).</summary>
    public string Directory { get; }

    /// <summary>The parsed manifest.</summary>
    public ModelManifest Manifest { get; }

    /// <summary>
    /// What the package's engine files (<see cref="ModelFiles"/>) take and give per chunk: the whole model for a package
    /// without pooling, the part after the pooling for <see cref="AfterPoolingPart"/>.
    /// </summary>
    public NetworkTensors Network { get; }

    /// <summary>Absolute path of the ONNX model, or null when the package has none.</summary>
    public string? OnnxPath => Manifest.Files.Onnx is { } f ? Path.Combine(Directory, f) : null;

    /// <summary>Absolute path of the int8 ONNX model (QDQ form, <c>dipper compile --target cpu</c>), or null when the package has none.</summary>
    public string? OnnxInt8Path => Manifest.Files.OnnxInt8 is { } f ? Path.Combine(Directory, f) : null;

    /// <summary>Absolute path of the TFLite model, or null when the package has none.</summary>
    public string? TflitePath => Manifest.Files.Tflite is { } f ? Path.Combine(Directory, f) : null;

    /// <summary>Absolute path of the TFLite model compiled by edgetpu_compiler, or null when the package has none.</summary>
    public string? TfliteEdgeTpuPath => Manifest.Files.TfliteEdgeTpu is { } f ? Path.Combine(Directory, f) : null;

    /// <summary>Absolute path of the part of a pooled model before the pooling, or null for a model without pooling.</summary>
    public string? BeforePoolingPath => Manifest.Pooling is { } p ? Path.Combine(Directory, p.Before.Onnx) : null;

    /// <summary>Absolute path of the part of a pooled model after the pooling, or null for a model without pooling.</summary>
    public string? AfterPoolingPath => Manifest.Pooling is { } p ? Path.Combine(Directory, p.After.Onnx) : null;

    /// <summary>
    /// The part of a pooled model after the pooling as a package of its own, or null for a model without pooling. Its files
    /// are the part's (<see cref="PoolingSettings.After"/>: the float ONNX model, and the int8 TFLite and Edge TPU models when
    /// <c>dipper compile</c> made them), so the engine factory and its "auto" policy choose, create, fail over and test-run
    /// engines for it exactly as for a model without pooling, rather than in a second copy of those rules. Its chunks are the
    /// windows of pooled frames counted in input values (window × features, the overlap likewise) with one output frame per
    /// features values (stride = features), as <see cref="Pipeline.ChunkLayout.AfterPooling"/> cuts them; its batch is the
    /// windows' (<see cref="PoolingSettings.Window"/>).
    /// </summary>
    public ModelPackage? AfterPoolingPart
    {
        get
        {
            if (Manifest.Pooling is not { } pooling) return null;
            var after = pooling.After;
            var part = Manifest with
            {
                Stride = pooling.Features,
                Chunk = new ChunkSettings
                {
                    Samples = pooling.Window.Samples * pooling.Features,
                    Overlap = pooling.Window.Overlap * pooling.Features,
                    Batch = pooling.Window.Batch,
                },
                Files = new ModelFiles
                {
                    Onnx = after.Onnx, OnnxInput = after.Input, OnnxOutput = after.Output,
                    Tflite = after.Tflite, TfliteInput = after.TfliteInput, TfliteOutput = after.TfliteOutput,
                    TfliteOutputIsLogits = after.TfliteOutputIsLogits, TfliteEdgeTpu = after.TfliteEdgeTpu,
                    Sha256 = Manifest.Files.Sha256,
                },
                Pooling = null,
            };
            return new ModelPackage(Directory, part, NetworkTensors.AfterPooling(Manifest));
        }
    }

    /// <summary>Opens a package folder and checks that its manifest is complete and its files exist.</summary>
    /// <exception cref="InvalidDataException">The manifest is missing, malformed, of another format, or names missing files.</exception>
    public static ModelPackage Load(string directory)
    {
        var full = Path.GetFullPath(directory);
        var manifestPath = Path.Combine(full, ManifestFileName);
        if (!File.Exists(manifestPath))
            throw new InvalidDataException($"{full}: not a model package (no {ManifestFileName})");
        ModelManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<ModelManifest>(File.ReadAllText(manifestPath), ModelManifest.JsonOptions);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{manifestPath}: malformed manifest: {e.Message}", e);
        }
        if (manifest is null)
            throw new InvalidDataException($"{manifestPath}: empty manifest");
        if (manifest.Format != ModelManifest.CurrentFormat)
            throw new InvalidDataException($"{manifestPath}: manifest format '{manifest.Format}' is not '{ModelManifest.CurrentFormat}'");
        Validate(manifest, manifestPath);
        var package = new ModelPackage(full, manifest);
        var part = package.AfterPoolingPart;
        foreach (var file in new[] { package.OnnxPath, package.TflitePath, package.TfliteEdgeTpuPath, package.BeforePoolingPath, package.AfterPoolingPath,
                     part?.TflitePath, part?.TfliteEdgeTpuPath })
        {
            if (file is not null && !File.Exists(file))
                throw new InvalidDataException($"{manifestPath}: names {Path.GetFileName(file)}, which is not in the package");
        }
        return package;
    }

    /// <summary>
    /// The same package cut into other chunks: <paramref name="samples"/> and <paramref name="overlap"/> replace the
    /// manifest's (null keeps the manifest's), for every engine created from it and for the pipeline. Longer chunks and
    /// a shorter overlap compute fewer samples twice (docs/chunk-overlap.md measures the cost in identity). Only a model
    /// whose input length is dynamic can take other chunks; an engine with a fixed input refuses them when created.
    /// </summary>
    /// <exception cref="ArgumentException">The chunk or overlap cannot cut reads for this model (not whole frames).</exception>
    public ModelPackage WithChunk(int? samples, int? overlap)
    {
        if (samples is null && overlap is null) return this;
        var chunk = Manifest.Chunk with { Samples = samples ?? Manifest.Chunk.Samples, Overlap = overlap ?? Manifest.Chunk.Overlap };
        if (chunk.Problem(Manifest.Stride) is { } problem)
            throw new ArgumentException($"model '{Manifest.Name}' (stride {Manifest.Stride}): {problem}");
        return new ModelPackage(Directory, Manifest with { Chunk = chunk });
    }

    /// <summary>Writes a manifest into a package folder (the compiler's side).</summary>
    public static void WriteManifest(string directory, ModelManifest manifest)
    {
        Validate(manifest, Path.Combine(directory, ManifestFileName));
        File.WriteAllText(Path.Combine(directory, ManifestFileName),
            JsonSerializer.Serialize(manifest, ModelManifest.JsonOptions) + "\n");
    }

    private static void Validate(ModelManifest m, string where)
    {
        void Check(bool ok, string problem)
        {
            if (!ok) throw new InvalidDataException($"{where}: {problem}");
        }
        Check(m.Alphabet.Length >= 2, "alphabet needs a blank and at least one base");
        Check(m.Blank >= 0 && m.Blank < m.Alphabet.Length, $"blank index {m.Blank} is outside the alphabet '{m.Alphabet}'");
        Check(m.Stride >= 1, "stride must be at least 1");
        if (m.Stride >= 1) Check(m.Chunk.Problem(m.Stride) is null, m.Chunk.Problem(m.Stride)!);
        Check(m.SampleRates.Count > 0, "the manifest must list the sample rates the model supports");
        Check(m.Files.Onnx is not null || m.Files.Tflite is not null || m.Pooling is not null, "the package holds no engine file");
        if (m.Pooling is { } pooling) Check(pooling.Problem() is null, pooling.Problem()!);
    }
}
