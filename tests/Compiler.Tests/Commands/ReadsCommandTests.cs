namespace Dipper.Compiler.Tests.Commands;

public class ReadsCommandTests
{
    private static string Formats => Path.Combine(ToolProcess.DataDir, "formats");

    public static TheoryData<string> GoodFiles()
    {
        var data = new TheoryData<string>();
        foreach (var dir in new[] { "pod5", "fast5", "blow5" })
            foreach (var file in Directory.GetFiles(Path.Combine(Formats, dir)).Order(StringComparer.Ordinal))
                data.Add(Path.Combine(dir, Path.GetFileName(file)));
        return data;
    }

    [Theory]
    [MemberData(nameof(GoodFiles))]
    public void Reads_reproduces_the_reference_decoders_output(string file)
    {
        var result = ToolProcess.Run("reads", Path.Combine(Formats, file));

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Errors);
        var expected = File.ReadAllLines(Path.Combine(Formats, "expected", Path.GetFileNameWithoutExtension(file) + ".tsv"));
        var actual = Lines(result.Output).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(expected.Where(l => l.Length > 0), actual);
    }

    [Fact]
    public void Metadata_adds_rate_calibration_channel_and_run_columns()
    {
        var result = ToolProcess.Run("reads", "--metadata", Path.Combine(Formats, "pod5", "r10_5khz_one_read.pod5"));

        Assert.Equal(0, result.ExitCode);
        var columns = Assert.Single(Lines(result.Output)).Split('\t');
        Assert.Equal(9, columns.Length);
        Assert.Equal("5000", columns[4]);
        Assert.True(double.Parse(columns[6], System.Globalization.CultureInfo.InvariantCulture) > 0, "calibration scale");
        Assert.True(int.Parse(columns[7]) > 0, "channel");
        Assert.NotEmpty(columns[8]);
    }

    [Fact]
    public void Folder_with_damaged_files_prints_good_reads_names_bad_files_and_exits_1()
    {
        var result = ToolProcess.Run("reads", Formats);

        Assert.Equal(1, result.ExitCode);
        var expectedGood = Directory.GetFiles(Path.Combine(Formats, "expected"))
            .SelectMany(File.ReadAllLines).Where(l => l.Length > 0).ToHashSet();
        var printed = Lines(result.Output).ToList();
        // Every read of every good file appears (several files hold the same reads).
        Assert.Superset(expectedGood, printed.ToHashSet());
        foreach (var bad in Directory.GetFiles(Path.Combine(Formats, "bad")))
            Assert.Contains(Path.GetFileName(bad), result.Errors);
    }

    [Fact]
    public void Missing_input_is_an_error_naming_it()
    {
        var result = ToolProcess.Run("reads", Path.Combine(Formats, "no-such-file.pod5"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("no-such-file.pod5", result.Errors);
    }

    [Theory]
    [InlineData("reads")]
    [InlineData("reads", "--no-such-option", "x")]
    [InlineData("no-such-command")]
    public void Bad_usage_exits_2(params string[] args)
    {
        var result = ToolProcess.Run(args);

        Assert.Equal(2, result.ExitCode);
        Assert.NotEqual("", result.Errors);
    }

    private static IEnumerable<string> Lines(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r'));
}
