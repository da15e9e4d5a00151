using Dipper.Basecaller.Output;

namespace Dipper.Device.Service;

/// <summary>
/// Where the calls of each signal file go, and in what format. The name is a pure function of the input's place
/// under its input folder (<c>run1/pod5/PAK_0.pod5</c> → <c>OUT/run1/pod5/PAK_0.pod5.fastq.gz</c>), so after a
/// crash an existing output tells, by its name alone, which input it holds: the rename that gives an output its
/// name is the commit point, whether or not the journal heard of it. With several input folders, each gets a
/// subfolder named after it.
/// </summary>
/// <remarks>
/// With a quality filter (<see cref="OutputOptions.MinQScore"/>) the layout is MinKNOW's: a run folder's signal
/// folder (<c>pod5</c>, <c>fast5_pass</c>, …) gives way to <c>fastq_pass</c> and <c>fastq_fail</c> (<c>bam_pass</c>
/// and <c>bam_fail</c> for BAM): <c>run1/pod5/PAK_0.pod5</c> → <c>OUT/run1/fastq_pass/PAK_0.pod5.fastq.gz</c>. The
/// sequencing summary is kept in the run folder, the folder that holds the signal folder.
/// </remarks>
public sealed class OutputLayout
{
    private readonly List<string> _inputs;
    private readonly bool _subfolders;

    /// <summary>Lays out outputs for the given input folders under <paramref name="outputFolder"/>.</summary>
    public OutputLayout(IEnumerable<string> inputFolders, string outputFolder, OutputOptions? output = null)
    {
        _inputs = inputFolders.Select(Normalise).ToList();
        _subfolders = _inputs.Count > 1;
        OutputFolder = Normalise(outputFolder);
        Output = output ?? new OutputOptions();
        Format = Output.ParsedFormat;
        Extension = Format.ServiceExtension();
    }

    /// <summary>The output folder, as a full path.</summary>
    public string OutputFolder { get; }

    /// <summary>The input folders, as full paths.</summary>
    public IReadOnlyList<string> InputFolders => _inputs;

    /// <summary>What is written: format, quality filter, summary.</summary>
    public OutputOptions Output { get; }

    /// <summary>The outputs' format.</summary>
    public OutputFormat Format { get; }

    /// <summary>What every output's name ends with (<c>.fastq.gz</c>, <c>.bam</c>, …).</summary>
    public string Extension { get; }

    /// <summary>The last name of a folder (<c>/data/run1/</c> → <c>run1</c>).</summary>
    public static string FolderName(string folder) => Path.GetFileName(Normalise(folder)) is { Length: > 0 } name ? name : "root";

    /// <summary>
    /// The final output for a signal file (with a quality filter: that of its passing reads, always written, and
    /// renamed last, so it marks the file's outputs complete), or null when it is under none of the input folders.
    /// </summary>
    public string? OutputFor(string inputPath) => Place(inputPath, passed: true);

    /// <summary>The output of a signal file's reads that fail the quality filter; null without a filter.</summary>
    public string? FailedOutputFor(string inputPath) => Output.SplitsPassFail ? Place(inputPath, passed: false) : null;

    /// <summary>The sequencing summary of the run folder the signal file belongs to; null when summaries are off.</summary>
    public string? SummaryFor(string inputPath) =>
        Output.SequencingSummary && Where(inputPath) is { } where ? Path.Combine(where.RunFolder, SequencingSummary.FileName) : null;

    /// <summary>Opens the outputs of a signal file; nothing appears under their names until committed.</summary>
    /// <exception cref="InvalidOperationException">The file is under no input folder.</exception>
    public CallsFile Open(string inputPath) =>
        new(OutputFor(inputPath) ?? throw new InvalidOperationException($"{inputPath} is under no input folder"), Format,
            new HtsOutputOptions { EmitMoves = Output.EmitMoves, CommandLine = "dipperd run" }, FailedOutputFor(inputPath), Output.MinQScore);

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
            ? Directory.EnumerateFiles(OutputFolder, "*" + FileCommit.TemporarySuffix,
                new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = 0 })
            : [];

    // The innermost input folder holding the file (input folders may nest).
    private string? InputFolderOf(string fullPath) => _inputs.Where(r => IsUnder(fullPath, r)).MaxBy(r => r.Length);

    private string? Place(string inputPath, bool passed)
    {
        if (Where(inputPath) is not { } where) return null;
        if (!Output.SplitsPassFail) return Path.Combine(where.Mirror, where.Name + Extension);
        return Path.Combine(where.RunFolder, Format.PassFailFolder(passed), where.Name + Extension);
    }

    /// <summary>
    /// Where a signal file sits in the output tree: the folder mirroring its own, its run folder (<see cref="RunFolder"/>:
    /// its own folder with MinKNOW's data and barcode folders taken off the end) and its name.
    /// </summary>
    private (string Mirror, string RunFolder, string Name)? Where(string inputPath)
    {
        var full = Path.GetFullPath(inputPath);
        if (InputFolderOf(full) is not { } root) return null;
        var relative = Path.GetRelativePath(root, full);
        var top = _subfolders ? Path.Combine(OutputFolder, FolderName(root)) : OutputFolder;
        var folder = Path.GetDirectoryName(relative) ?? "";
        var mirror = Path.Combine(top, folder);
        // One rule for what a run folder is, the status page's (MinKNOW's data and barcode folders taken off the end).
        var runFolder = RunFolder.Of(folder);
        var run = runFolder == RunFolder.Top ? top : Path.Combine(top, runFolder);
        return (mirror, Path.TrimEndingDirectorySeparator(run), Path.GetFileName(relative));
    }

    private static string Normalise(string folder) => Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder));

    private static bool IsUnder(string path, string folder) =>
        path.StartsWith(folder, StringComparison.Ordinal) && path.Length > folder.Length && path[folder.Length] == Path.DirectorySeparatorChar;
}
