namespace Dipper.Device.Service;

/// <summary>
/// Where the calls of each signal file go. The name is a pure function of the input's place under its
/// input folder (<c>run1/pod5/PAK_0.pod5</c> → <c>OUT/run1/pod5/PAK_0.pod5.fastq.gz</c>), so after a crash
/// an existing output tells, by its name alone, which input it holds: the rename that gives an output
/// its name is the commit point, whether or not the journal heard of it. With several input folders,
/// each gets a subfolder named after it.
/// </summary>
public sealed class OutputLayout
{
    /// <summary>What every output's name ends with.</summary>
    public const string Extension = ".fastq.gz";

    /// <summary>Added to an output's name while it is written; such files are unfinished by definition.</summary>
    public const string TemporarySuffix = ".partial";

    private readonly List<string> _inputs;
    private readonly bool _subfolders;

    /// <summary>Lays out outputs for the given input folders under <paramref name="outputFolder"/>.</summary>
    public OutputLayout(IEnumerable<string> inputFolders, string outputFolder)
    {
        _inputs = inputFolders.Select(Normalise).ToList();
        _subfolders = _inputs.Count > 1;
        OutputFolder = Normalise(outputFolder);
    }

    /// <summary>The output folder, as a full path.</summary>
    public string OutputFolder { get; }

    /// <summary>The input folders, as full paths.</summary>
    public IReadOnlyList<string> InputFolders => _inputs;

    /// <summary>The last name of a folder (<c>/data/run1/</c> → <c>run1</c>).</summary>
    public static string FolderName(string folder) => Path.GetFileName(Normalise(folder)) is { Length: > 0 } name ? name : "root";

    /// <summary>The final output for a signal file, or null when it is under none of the input folders.</summary>
    public string? OutputFor(string inputPath)
    {
        var full = Path.GetFullPath(inputPath);
        if (InputFolderOf(full) is not { } root) return null;
        var relative = Path.GetRelativePath(root, full);
        var folder = _subfolders ? Path.Combine(OutputFolder, FolderName(root)) : OutputFolder;
        return Path.Combine(folder, relative + Extension);
    }

    /// <summary>
    /// The run folder of a signal file (<see cref="RunFolder"/>), relative to its input folder and, with several
    /// input folders, under the input folder's name as its output is; null when it is under none of them.
    /// </summary>
    public string? RunFolderFor(string inputPath)
    {
        var full = Path.GetFullPath(inputPath);
        if (InputFolderOf(full) is not { } root) return null;
        var folder = Path.GetDirectoryName(Path.GetRelativePath(root, full)) ?? "";
        return RunFolder.Of(_subfolders ? Path.Combine(FolderName(root), folder) : folder);
    }

    /// <summary>True for paths inside the output folder, which the watcher must not take for input.</summary>
    public bool IsOutput(string path) => IsUnder(Path.GetFullPath(path), OutputFolder);

    /// <summary>Unfinished outputs left by a process that was killed while writing them.</summary>
    public IEnumerable<string> LeftoverTemporaries() =>
        Directory.Exists(OutputFolder)
            ? Directory.EnumerateFiles(OutputFolder, "*" + Extension + TemporarySuffix,
                new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = 0 })
            : [];

    // The innermost input folder holding the file (input folders may nest).
    private string? InputFolderOf(string fullPath) => _inputs.Where(r => IsUnder(fullPath, r)).MaxBy(r => r.Length);

    private static string Normalise(string folder) => Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder));

    private static bool IsUnder(string path, string folder) =>
        path.StartsWith(folder, StringComparison.Ordinal) && path.Length > folder.Length && path[folder.Length] == Path.DirectorySeparatorChar;
}
