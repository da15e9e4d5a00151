using Xunit.Abstractions;

namespace Dipper.Compiler.Tests.Commands;

public class LabelCommandTests(ITestOutputHelper log) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("dipper-label-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Without_minimap2_on_path_label_exits_non_zero_names_the_debian_package_and_writes_nothing()
    {
        var output = Path.Combine(_folder, "labels");
        // A PATH of one empty folder: no minimap2, whatever the machine has installed.
        var path = Directory.CreateDirectory(Path.Combine(_folder, "bin")).FullName;

        var result = ToolProcess.Run(new Dictionary<string, string> { ["PATH"] = path },
            "label", "--model", TestData.PackageFolder, "--reads", TestData.Reads, "--reference", TestData.ReadsReference, "-o", output);

        log.WriteLine(result.Errors);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("minimap2, which is not on PATH", result.Errors);
        Assert.Contains("Debian package minimap2", result.Errors);
        Assert.Contains("nothing was written", result.Errors);
        Assert.Equal([path], Directory.GetFileSystemEntries(_folder)); // no output, no staging folder
    }

    [Fact]
    public void Label_writes_the_four_files_and_prints_kept_and_dropped_counts()
    {
        var output = Path.Combine(_folder, "labels");

        var result = ToolProcess.Run("label", "--model", TestData.PackageFolder, "--reads", TestData.Reads,
            "--reference", TestData.ReadsReference, "-o", output, "--threads", "2");

        log.WriteLine(result.Errors);
        Assert.Equal(0, result.ExitCode);
        Assert.Matches(@"\d+ chunks, \d+ kept .*dropped: unmapped read \d+, low identity \d+, too few bases \d+", result.Errors);
        Assert.Equal(["chunks.npy", "labels.json", "reference_lengths.npy", "references.npy"],
            Directory.GetFiles(output).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal([output], Directory.GetDirectories(_folder)); // the staging folder became the output

        var again = ToolProcess.Run("label", "--model", TestData.PackageFolder, "--reads", TestData.Reads,
            "--reference", TestData.ReadsReference, "-o", output);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("already exists", again.Errors);
    }
}
