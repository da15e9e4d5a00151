using Dipper.Compiler.Compilation;

namespace Dipper.Compiler.Tests.Compilation;

public sealed class PublishStageTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("dipper-publish-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Staged(string package, params string[] files)
    {
        var staging = PublishStage.StagingFolder(Path.Combine(_folder, package));
        Directory.CreateDirectory(staging);
        foreach (var file in files) File.WriteAllText(Path.Combine(staging, file), "new " + file);
        return staging;
    }

    [Fact]
    public void Staging_folder_is_a_hidden_sibling_of_the_package_so_the_move_stays_on_one_file_system()
    {
        var staging = PublishStage.StagingFolder(Path.Combine(_folder, "pkg"));

        Assert.Equal(_folder, Path.GetDirectoryName(staging));
        Assert.StartsWith(".pkg.partial-", Path.GetFileName(staging));
    }

    [Fact]
    public void New_package_is_the_staging_folder_moved_whole()
    {
        var staging = Staged("pkg", "manifest.json", "model.onnx");
        var package = Path.Combine(_folder, "pkg");

        PublishStage.Run(staging, package);

        Assert.False(Directory.Exists(staging));
        Assert.Equal(["manifest.json", "model.onnx"], Directory.GetFiles(package).Select(Path.GetFileName).Order());
        Assert.Equal("new model.onnx", File.ReadAllText(Path.Combine(package, "model.onnx")));
    }

    [Fact]
    public void Existing_package_gets_the_staged_files_and_keeps_files_the_compile_did_not_write()
    {
        var package = Directory.CreateDirectory(Path.Combine(_folder, "pkg")).FullName;
        File.WriteAllText(Path.Combine(package, "model.onnx"), "old model.onnx");
        File.WriteAllText(Path.Combine(package, "notes.txt"), "the user's notes");
        var staging = Staged("pkg", "manifest.json", "model.onnx");

        PublishStage.Run(staging, package);

        Assert.Equal("new model.onnx", File.ReadAllText(Path.Combine(package, "model.onnx")));
        Assert.Equal("new manifest.json", File.ReadAllText(Path.Combine(package, "manifest.json")));
        Assert.Equal("the user's notes", File.ReadAllText(Path.Combine(package, "notes.txt")));
    }
}
