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
    public static int Run(RootCommand root, string[] args)
    {
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
                Console.Error.WriteLine($"{root.Name}: {error.Message}");
            Console.Error.WriteLine($"Try '{root.Name} --help'.");
            return UsageError;
        }
        return parsed.Invoke();
    }
}
