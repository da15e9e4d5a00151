using System.Text.Json;

namespace Dipper.Basecaller.Models;

/// <summary>
/// A model package: a folder holding <c>manifest.json</c> and the engine files it names. The one
/// format shared by the compiler (which writes it) and the appliance (which runs it).
/// </summary>
public sealed class ModelPackage
{
    /// <summary>File name of the manifest inside a package folder.</summary>
    public const string ManifestFileName = "manifest.json";

    private ModelPackage(string directory, ModelManifest manifest)
    {
        Directory = directory;
        Manifest = manifest;
    }

    /// <summary>The package folder (absolute).</summary>
    public string Directory { get; }

    /// <summary>The parsed manifest.</summary>
    public ModelManifest Manifest { get; }

    /// <summary>Absolute path of the ONNX model, or null when the package has none.</summary>
    public string? OnnxPath => Manifest.Files.Onnx is { } f ? Path.Combine(Directory, f) : null;

    /// <summary>Absolute path of the TFLite model, or null when the package has none.</summary>
    public string? TflitePath => Manifest.Files.Tflite is { } f ? Path.Combine(Directory, f) : null;

    /// <summary>Absolute path of the TFLite model compiled by edgetpu_compiler, or null when the package has none.</summary>
    public string? TfliteEdgeTpuPath => Manifest.Files.TfliteEdgeTpu is { } f ? Path.Combine(Directory, f) : null;

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
        foreach (var file in new[] { package.OnnxPath, package.TflitePath, package.TfliteEdgeTpuPath })
        {
            if (file is not null && !File.Exists(file))
                throw new InvalidDataException($"{manifestPath}: names {Path.GetFileName(file)}, which is not in the package");
        }
        return package;
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
        Check(m.Chunk.Samples > 0 && m.Chunk.Samples % m.Stride == 0, $"chunk size {m.Chunk.Samples} must be a positive multiple of the stride {m.Stride}");
        Check(m.Chunk.Overlap >= 0 && m.Chunk.Overlap < m.Chunk.Samples, "overlap must be smaller than the chunk");
        Check(m.Chunk.Overlap % (2 * m.Stride) == 0, $"overlap {m.Chunk.Overlap} must be a multiple of twice the stride so it trims whole frames from both sides");
        Check(m.SampleRates.Count > 0, "the manifest must list the sample rates the model supports");
        Check(m.Files.Onnx is not null || m.Files.Tflite is not null, "the package holds no engine file");
    }
}
