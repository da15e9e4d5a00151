namespace Dipper.Compiler.Tests.Flash;

public sealed class FolderFlashTests : IDisposable
{
    private readonly FlashFolders _folders = new();

    public void Dispose() => _folders.Dispose();

    [Fact]
    public void Flash_to_a_folder_validates_and_activates_the_package_there()
    {
        var result = ToolProcess.Run("flash", FlashFolders.CommittedPackage, "--to", _folders.ModelsRoot);

        Assert.True(result.ExitCode == 0, result.Errors);
        Assert.Contains("is active in", result.Output);
        _folders.AssertActiveIsTheCommittedPackage();
    }

    [Fact]
    public void Corrupted_package_to_a_folder_is_refused_and_active_is_unchanged()
    {
        Assert.Equal(0, ToolProcess.Run("flash", FlashFolders.CommittedPackage, "--to", _folders.ModelsRoot).ExitCode);
        var before = _folders.Snapshot();

        var result = ToolProcess.Run("flash", _folders.CorruptedPackage(), "--to", _folders.ModelsRoot);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("model.onnx: SHA-256", result.Errors);
        Assert.Contains("active model is unchanged", result.Errors);
        Assert.Equal(before, _folders.Snapshot());
        _folders.AssertActiveIsTheCommittedPackage();
    }

    [Fact]
    public void Pooled_package_to_a_folder_is_validated_and_activated()
    {
        var pooled = Path.Combine(AppContext.BaseDirectory, "data", "models", "sbonito-pooled");

        var result = ToolProcess.Run("flash", pooled, "--to", _folders.ModelsRoot);

        Assert.True(result.ExitCode == 0, result.Errors);
        Assert.Contains("is active in", result.Output);
        foreach (var part in new[] { "before-pooling.onnx", "after-pooling.onnx", "manifest.json" })
            Assert.Equal(File.ReadAllBytes(Path.Combine(pooled, part)), File.ReadAllBytes(Path.Combine(_folders.ActiveLink, part)));
    }

    [Fact]
    public void Missing_target_is_a_usage_error()
    {
        var result = ToolProcess.Run("flash", FlashFolders.CommittedPackage);
        Assert.Equal(2, result.ExitCode);
    }
}
