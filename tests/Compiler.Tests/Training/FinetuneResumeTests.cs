using System.Diagnostics;
using System.Text.RegularExpressions;
using Dipper.Basecaller.Models;
using Dipper.Compiler.Commands;
using Dipper.Compiler.Passes.Compression;
using Xunit.Abstractions;

namespace Dipper.Compiler.Tests.Training;

[Collection(LibTorchCollection.Name)]
public sealed partial class FinetuneResumeTests(CompressedStudents students, ITestOutputHelper log) : IClassFixture<CompressedStudents>, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("dipper-finetune-resume-").FullName;

    [Fact]
    public async Task A_run_killed_with_sigkill_resumes_from_its_last_checkpoint_and_finishes()
    {
        var output = Path.Combine(_folder, "finetuned");
        string[] args = ["finetune", "--model", students.Package(CompressionMethod.Magnitude), "--teacher", TestData.PackageFolder,
            "--reads", TestData.Reads, "-o", output, "--steps", "40", "--batch", "2", "--threads", "2", "--checkpoint-every", "5",
            "--validate-every", "20", "--chunks-per-read", "2", "--validation-every", "3"];

        // First run: killed (SIGKILL: no chance to clean up) once it has written a checkpoint past the first.
        var killedAt = await RunUntilAsync(args, line => CheckpointLine().Match(line) is { Success: true } m && int.Parse(m.Groups[1].Value) >= 10);
        Assert.InRange(killedAt, 10, 35);
        Assert.True(File.Exists(FinetuneCommand.CheckpointPath(output)));
        Assert.False(Directory.Exists(output), "the killed run wrote a package");

        var resumed = ToolProcess.Run([.. args, "--resume"]);

        log.WriteLine(resumed.Output);
        log.WriteLine(resumed.Errors);
        Assert.Equal(0, resumed.ExitCode);
        var from = int.Parse(ResumeLine().Match(resumed.Output).Groups[1].Value);
        Assert.InRange(from, killedAt, killedAt + 5); // the last checkpoint written before the kill landed
        Assert.DoesNotContain("validation at step 0:", resumed.Output);
        Assert.DoesNotContain($"step {from}/40", resumed.Errors);
        Assert.Contains("step 40/40", resumed.Errors);
        var finetune = ModelPackage.Load(output).Manifest.Provenance["finetune"];
        Assert.Equal(from, finetune.GetProperty("resumedFrom").GetInt32());
        Assert.Equal(40, finetune.GetProperty("steps").GetInt32());
        Assert.False(File.Exists(FinetuneCommand.CheckpointPath(output)));
    }

    [Fact]
    public void Resume_without_a_checkpoint_is_a_clear_error()
    {
        var result = ToolProcess.Run("finetune", "--model", students.Package(CompressionMethod.Magnitude), "--teacher", TestData.PackageFolder,
            "--reads", TestData.Reads, "-o", Path.Combine(_folder, "none"), "--steps", "4", "--batch", "2", "--chunks-per-read", "1", "--resume");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--resume: no checkpoint at", result.Errors);
        Assert.False(Directory.Exists(Path.Combine(_folder, "none")));
    }

    /// <summary>Starts dipper and kills it with SIGKILL at the first output line <paramref name="stop"/> accepts; returns that line's step.</summary>
    private async Task<int> RunUntilAsync(string[] args, Func<string, bool> stop)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "dipper.dll"));
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            log.WriteLine(line);
            if (!stop(line)) continue;
            process.Kill(); // SIGKILL on Linux
            await process.WaitForExitAsync(timeout.Token);
            return int.Parse(CheckpointLine().Match(line).Groups[1].Value);
        }
        await process.WaitForExitAsync(timeout.Token);
        throw new InvalidOperationException($"dipper ended ({process.ExitCode}) before the line awaited: {await errors}");
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [GeneratedRegex(@"^checkpoint written at step (\d+)")]
    private static partial Regex CheckpointLine();

    [GeneratedRegex(@"resuming from the checkpoint at step (\d+)")]
    private static partial Regex ResumeLine();
}
