namespace Dipper.Compiler.Compilation;

/// <summary>
/// publish: a package is built in a staging folder beside its destination and moved into place only
/// when it is whole, so a failed or cancelled compile leaves no package, and no half of one, behind.
/// </summary>
public static class PublishStage
{
    /// <summary>The staging folder beside <paramref name="output"/> a package is built in before it is published.</summary>
    public static string StagingFolder(string output) => Path.Combine(Path.GetDirectoryName(Path.GetFullPath(output))!,
        $".{Path.GetFileName(Path.GetFullPath(output))}.partial-{Environment.ProcessId}");

    /// <summary>Moves the staged files into the package folder (created if missing; files it holds with the same names are replaced).</summary>
    public static void Run(string staging, string destination)
    {
        if (!Directory.Exists(destination))
        {
            Directory.Move(staging, destination);
            return;
        }
        foreach (var file in Directory.EnumerateFiles(staging))
            File.Move(file, Path.Combine(destination, Path.GetFileName(file)), overwrite: true);
    }
}
