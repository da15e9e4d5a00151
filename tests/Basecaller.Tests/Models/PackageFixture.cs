using System.Text.Json.Nodes;

namespace Dipper.Basecaller.Tests.Models;

/// <summary>
/// Temporary copies of the committed default model package that tests may damage. Shared with Tpu.Tests and
/// Device.Tests (linked into them), whose model package tests damage packages the same way.
/// </summary>
internal sealed class PackageFixture : IDisposable
{
    public static string Committed => Path.Combine(AppContext.BaseDirectory, "data", "packages", "sbonito");

    /// <summary>The int8 TFLite package dipper compile made from the default model (tests/data/models/sbonito-int8).</summary>
    public static string CommittedInt8 => Path.Combine(AppContext.BaseDirectory, "data", "models", "sbonito-int8");

    /// <summary>The pooled package dipper pool made from the default model (tests/data/models/sbonito-pooled): two ONNX parts, untrained.</summary>
    public static string CommittedPooled => Path.Combine(AppContext.BaseDirectory, "data", "models", "sbonito-pooled");

    /// <summary>
    /// <see cref="CommittedPooled"/> as dipper compile made it (tests/data/models/sbonito-pooled-int8): the two float ONNX parts
    /// and the int8 TFLite model of the part after the pooling.
    /// </summary>
    public static string CommittedPooledInt8 => Path.Combine(AppContext.BaseDirectory, "data", "models", "sbonito-pooled-int8");

    public string Root { get; } = Directory.CreateTempSubdirectory("dipper-flash-").FullName;

    public string ModelsRoot => Path.Combine(Root, "appliance", "models");

    /// <summary>A fresh copy of the default package.</summary>
    public string CopyOfDefault(string name = "package") => CopyOf(Committed, name);

    /// <summary>A fresh copy of the package in <paramref name="source"/>.</summary>
    public string CopyOf(string source, string name)
    {
        var target = Path.Combine(Root, name);
        Directory.CreateDirectory(target);
        foreach (var file in Directory.EnumerateFiles(source))
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        return target;
    }

    /// <summary>A valid package that differs from the default only in its manifest (hence its version).</summary>
    public string Renamed(string modelName)
    {
        var folder = CopyOfDefault(modelName);
        EditManifest(folder, m => m["name"] = modelName);
        return folder;
    }

    public static void EditManifest(string folder, Action<JsonObject> edit)
    {
        var path = Path.Combine(folder, "manifest.json");
        var manifest = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(manifest);
        File.WriteAllText(path, manifest.ToJsonString());
    }

    /// <summary>Flips one bit in the middle of a file, as a bad SD card or a cut transfer would.</summary>
    public static void FlipByte(string file)
    {
        var bytes = File.ReadAllBytes(file);
        bytes[bytes.Length / 2] ^= 0x01;
        File.WriteAllBytes(file, bytes);
    }

    /// <summary>Records the file's current SHA-256 in the manifest, so a damaged file gets past the checksums to the test inference.</summary>
    public static void UpdateChecksum(string folder, string name)
    {
        using var stream = File.OpenRead(Path.Combine(folder, name));
        var sum = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(stream));
        EditManifest(folder, m => m["files"]!["sha256"]![name] = sum);
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
