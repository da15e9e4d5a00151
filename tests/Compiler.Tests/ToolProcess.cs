using System.Diagnostics;

namespace Dipper.Compiler.Tests;

/// <summary>Runs the built `dipper` tool as a real process, the way a user or script would.</summary>
internal static class ToolProcess
{
    public sealed record Result(int ExitCode, string Output, string Errors);

    public static string DataDir => Path.Combine(AppContext.BaseDirectory, "data");

    private static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)
        ? host
        : (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Where(d => d.Length > 0)
            .Select(d => Path.Combine(d, "dotnet")).FirstOrDefault(File.Exists) ?? "dotnet";

    public static Result Run(params string[] args) => Run(new Dictionary<string, string>(), args);

    /// <summary>Runs with <paramref name="environment"/> set over the test's own, e.g. a PATH of the test's choosing.</summary>
    public static Result Run(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        // The host is found now, on the test's PATH, so a PATH of the test's choosing still starts it.
        var start = new ProcessStartInfo(Dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment) start.Environment[name] = value;
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
