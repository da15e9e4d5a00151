using System.Diagnostics;

namespace Dipper.Basecaller.Tests.Output;

/// <summary>
/// The real samtools (Debian package <c>samtools</c>), run on the files Dipper writes: the judge of whether a
/// SAM/BAM/CRAM is what the field's tools read. Fails the test with one line saying what to install when it is missing.
/// </summary>
internal static class Samtools
{
    private const string Program = "/usr/bin/samtools";

    /// <summary>Runs <c>samtools ARGS</c>; returns its exit code, standard output and standard error.</summary>
    public static (int Exit, string Output, string Errors) Run(params string[] arguments)
    {
        Assert.True(File.Exists(Program), $"{Program} is missing: apt-get install samtools");
        var start = new ProcessStartInfo(Program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output, errors.Result);
    }

    /// <summary>Asserts that <c>samtools quickcheck -u</c> (unaligned files allowed) takes the file as whole.</summary>
    public static void QuickCheck(string path)
    {
        var (exit, output, errors) = Run("quickcheck", "-u", "-v", path);
        Assert.True(exit == 0, $"samtools quickcheck refused {path}: {output}{errors}");
    }

    /// <summary>The records of <c>samtools view</c>, each split into its tab-separated fields; asserts that samtools read the whole file.</summary>
    public static List<string[]> View(string path)
    {
        var (exit, output, errors) = Run("view", path);
        Assert.True(exit == 0, $"samtools view failed on {path}: {errors}");
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split('\t')).ToList();
    }

    /// <summary>The header lines of <c>samtools view -H</c>.</summary>
    public static List<string> Header(string path)
    {
        var (exit, output, errors) = Run("view", "-H", "--no-PG", path);
        Assert.True(exit == 0, $"samtools view -H failed on {path}: {errors}");
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
    }

    /// <summary>The value of tag <paramref name="tag"/> (e.g. "qs") in a record's fields, without its "qs:f:" prefix; null when absent.</summary>
    public static string? Tag(string[] record, string tag) =>
        record.Skip(11).FirstOrDefault(f => f.StartsWith(tag + ":", StringComparison.Ordinal)) is { } field ? field[(tag.Length + 3)..] : null;
}
