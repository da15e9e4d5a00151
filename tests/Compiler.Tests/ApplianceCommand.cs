using System.Diagnostics;

namespace Dipper.Compiler.Tests;

/// <summary>
/// Runs the appliance's <c>dipperd</c> (built beside the tests, in <c>appliance/</c>) as a real process, so a package the
/// compiler wrote is run by the program that runs it on the appliance (this project does not reference its assembly).
/// </summary>
public static class ApplianceCommand
{
    /// <summary>Runs <c>dipperd</c> with <paramref name="args"/>; returns its exit code and its output and error streams together.</summary>
    /// <exception cref="TimeoutException">It ran longer than <paramref name="timeout"/> (3 minutes by default); it is killed.</exception>
    public static (int Exit, string Errors) Run(string[] args, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "appliance", "dipperd.dll"));
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dipperd {string.Join(' ', args)} did not finish");
        }
        return (process.ExitCode, output.Result + errors.Result);
    }
}
