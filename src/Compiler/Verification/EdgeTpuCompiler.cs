using System.Diagnostics;

namespace Dipper.Compiler.Verification;

/// <summary>What running Google's edgetpu_compiler gave, when it is installed.</summary>
/// <param name="Ran">False when the compiler is not on PATH.</param>
/// <param name="ExitCode">Its exit code.</param>
/// <param name="Log">Everything it printed.</param>
/// <param name="CompiledModel">The _edgetpu.tflite it wrote, or null.</param>
/// <param name="Declined">Not run because <c>--no-edgetpu-compiler</c> asked for a CPU-only package.</param>
public sealed record EdgeTpuCompilerRun(bool Ran, int ExitCode, string Log, string? CompiledModel, bool Declined = false)
{
    /// <summary>Name of the compiler's executable.</summary>
    public const string Executable = "edgetpu_compiler";

    /// <summary>
    /// How to get the compiler, for messages: Coral publishes it only as an x86-64 Debian package, so an
    /// ARM board or a Mac compiles elsewhere.
    /// </summary>
    public const string HowToInstall =
        "install Coral's edgetpu_compiler (x86-64 Linux only: the Debian package edgetpu-compiler from Coral's apt repository, " +
        "'deb https://packages.cloud.google.com/apt coral-edgetpu-stable main', see https://coral.ai/docs/edgetpu/compiler/) " +
        "or compile on a machine that has it";

    /// <summary>The run that did not happen because a CPU-only package was asked for.</summary>
    public static EdgeTpuCompilerRun NotRunByChoice { get; } = new(false, 0, "", null, Declined: true);

    /// <summary>The compiler's path on PATH, or null when it is not installed.</summary>
    public static string? Locate() => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
        .Where(d => d.Length > 0).Select(d => Path.Combine(d, Executable)).FirstOrDefault(File.Exists);

    /// <summary>
    /// Runs <c>edgetpu_compiler -s -o DIR MODEL</c> if it is on PATH (it runs only on x86-64 Linux and is
    /// not packaged for Debian bookworm, so usually it is not), keeping its log and compiled model beside the model.
    /// </summary>
    public static async Task<EdgeTpuCompilerRun> TryRunAsync(string model, CancellationToken cancellationToken)
    {
        var executable = Locate();
        if (executable is null) return new EdgeTpuCompilerRun(false, 0, "", null);
        var directory = Path.GetDirectoryName(Path.GetFullPath(model))!;
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "-s", "-o", directory, model }) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{executable} did not start");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        var log = await output + await errors;
        var compiled = Path.Combine(directory, Path.GetFileNameWithoutExtension(model) + "_edgetpu.tflite");
        await File.WriteAllTextAsync(Path.Combine(directory, "edgetpu_compiler.log"), log, cancellationToken);
        return new EdgeTpuCompilerRun(true, process.ExitCode, log, File.Exists(compiled) ? compiled : null);
    }
}
