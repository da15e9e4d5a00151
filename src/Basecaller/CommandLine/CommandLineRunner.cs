using System.CommandLine;

namespace Dipper.Basecaller.CommandLine;

/// <summary>
/// Runs a command tree with Dipper's exit-code convention: 0 success, 1 when the work met damaged
/// input or failed, 2 for bad usage. System.CommandLine reports parse errors with exit code 1 by
/// default, which would be indistinguishable from damaged input in scripts.
/// </summary>
public static class CommandLineRunner
{
    /// <summary>Exit code for a command line that could not be understood.</summary>
    public const int UsageError = 2;

    /// <summary>Parses <paramref name="args"/> and invokes the chosen command's action.</summary>
    /// <param name="root">The command tree.</param>
    /// <param name="args">The command line.</param>
    /// <param name="invocation">Invocation settings, e.g. a longer grace period after SIGTERM for a command that drains its work; System.CommandLine's defaults when null.</param>
    public static int Run(RootCommand root, string[] args, InvocationConfiguration? invocation = null)
    {
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
                Console.Error.WriteLine($"{root.Name}: {error.Message}");
            Console.Error.WriteLine($"Try '{root.Name} --help'.");
            return UsageError;
        }
        return parsed.Invoke(invocation);
    }
}
