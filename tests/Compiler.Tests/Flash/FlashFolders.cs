namespace Dipper.Compiler.Tests.Flash;

/// <summary>A temporary appliance models root and package copies for flash tests.</summary>
internal sealed class FlashFolders : IDisposable
{
    public static string CommittedPackage => Path.Combine(AppContext.BaseDirectory, "data", "packages", "sbonito");

    public string Root { get; } = Directory.CreateTempSubdirectory("dipper-flash-").FullName;

    public string ModelsRoot => Path.Combine(Root, "appliance", "var", "lib", "dipper", "models");

    public string ActiveLink => Path.Combine(ModelsRoot, "active");

    public string? ActiveTarget => File.Exists(ActiveLink) || Directory.Exists(ActiveLink) ? new FileInfo(ActiveLink).LinkTarget : null;

    /// <summary>A copy of the default package with one bit flipped in model.onnx.</summary>
    public string CorruptedPackage()
    {
        var folder = Path.Combine(Root, "corrupted");
        Directory.CreateDirectory(folder);
        foreach (var file in Directory.EnumerateFiles(CommittedPackage))
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        var model = Path.Combine(folder, "model.onnx");
        var bytes = File.ReadAllBytes(model);
        bytes[bytes.Length / 2] ^= 0x01;
        File.WriteAllBytes(model, bytes);
        return folder;
    }

    /// <summary>Every entry under the models root with its size, to show nothing changed.</summary>
    public List<string> Snapshot() => !Directory.Exists(ModelsRoot) ? [] :
        Directory.EnumerateFileSystemEntries(ModelsRoot, "*", SearchOption.AllDirectories)
            .Where(p => Path.GetFileName(p) != ".lock")
            .Select(p => $"{Path.GetRelativePath(ModelsRoot, p)} {(File.Exists(p) && new FileInfo(p).LinkTarget is null ? new FileInfo(p).Length : -1)} {new FileInfo(p).LinkTarget}")
            .Order().ToList();

    public void AssertActiveIsTheCommittedPackage()
    {
        Assert.StartsWith("sbonito_80_bb_swish-", ActiveTarget);
        foreach (var file in Directory.EnumerateFiles(CommittedPackage))
            Assert.Equal(File.ReadAllBytes(file), File.ReadAllBytes(Path.Combine(ActiveLink, Path.GetFileName(file))));
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
