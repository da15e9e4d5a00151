namespace Dipper.Device.Commands;

/// <summary>
/// Finds what ships with <c>dipperd</c>: the default model package and the sample reads. Looked up
/// beside the executable first (installed or built: the build copies <c>models/</c> and <c>samples/</c>
/// into the output folder), then under the current folder (running from a source checkout).
/// </summary>
public static class BundledFiles
{
    /// <summary>The default model package, relative to a base folder.</summary>
    public static readonly string DefaultModel = Path.Combine("models", "sbonito");

    /// <summary>The bundled sample reads, relative to a base folder.</summary>
    public static readonly string SampleReads = Path.Combine("samples", "r94-ecoli", "fast5");

    /// <summary>The first of the executable's folder and the current folder that holds <paramref name="relative"/>, or null.</summary>
    public static string? Find(string relative)
    {
        foreach (var root in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            var candidate = Path.Combine(root, relative);
            if (Directory.Exists(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>Where <see cref="Find"/> looks, for error messages.</summary>
    public static string Places(string relative) =>
        $"{Path.Combine(AppContext.BaseDirectory, relative)} or {Path.Combine(Environment.CurrentDirectory, relative)}";
}
