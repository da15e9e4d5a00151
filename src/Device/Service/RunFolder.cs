using System.Text.RegularExpressions;

namespace Dipper.Device.Service;

/// <summary>
/// The run folder a signal file belongs to: the folder MinKNOW made for the run
/// (<c>experiment/sample/20240101_1200_MN12345_FAN12345_abcdef12</c>), which holds the data folders
/// (<c>pod5</c>, <c>pod5_pass</c>, <c>fast5_fail</c> …, and their <c>barcode01</c> or <c>unclassified</c> folders).
/// The status page gives the yield of each run folder, as MinKNOW gives it per run.
/// </summary>
public static partial class RunFolder
{
    /// <summary>Name given to files lying directly in an input folder.</summary>
    public const string Top = ".";

    /// <summary>
    /// The run folder of a file from its folder relative to the input folder (<c>run1/pod5_pass/barcode01</c> → <c>run1</c>):
    /// MinKNOW's data and barcode folders are taken off the end; '/' separates the parts of the name.
    /// </summary>
    public static string Of(string relativeFolder)
    {
        var parts = relativeFolder.Split(['/', '\\'], StringSplitOptions.RemoveEmptyEntries).Where(p => p != ".").ToList();
        if (parts.Count > 0 && BarcodeFolder().IsMatch(parts[^1]) && parts.Count > 1 && DataFolder().IsMatch(parts[^2])) parts.RemoveAt(parts.Count - 1);
        if (parts.Count > 0 && DataFolder().IsMatch(parts[^1])) parts.RemoveAt(parts.Count - 1);
        return parts.Count == 0 ? Top : string.Join('/', parts);
    }

    [GeneratedRegex(@"^(pod5|fast5|slow5|blow5|fastq|bam)(_(pass|fail|skip))?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex DataFolder();

    [GeneratedRegex(@"^(barcode\d+|unclassified|mixed)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex BarcodeFolder();
}
