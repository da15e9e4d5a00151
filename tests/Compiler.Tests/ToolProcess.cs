using System.Diagnostics;

namespace Dipper.Compiler.Tests;

/// <summary>Runs the built `dipper` tool as a real process, the way a user or script would.</summary>
internal static class ToolProcess
{
    public sealed record Result(int ExitCode, string Output, string Errors);

    public static string DataDir => Path.Combine(AppContext.BaseDirectory, "data");

    public static Result Run(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "dipper.dll"));
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dipper {string.Join(' ', args)} did not finish");
        }
        return new Result(process.ExitCode, output.Result, errors.Result);
    }
}
