using Dipper.Basecaller.Output;

namespace Dipper.Basecaller.Tests.Output;

public sealed class SequencingSummaryTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("dipper-summary-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void One_line_per_read_under_the_Guppy_column_names_with_times_in_seconds()
    {
        var path = Path.Combine(_folder, SequencingSummary.FileName);
        using (var writer = new SequencingSummaryWriter(path, minQScore: 10))
        {
            writer.Write(FastqWriterTests.Called("read-a", "ACGT")); // '5' = Q20: passes
            writer.Write(FastqWriterTests.Called("read-b", "GGA", channel: 7) with { Sequence = new("GGA", "+++") }); // Q10: passes (not below)
            writer.Write(FastqWriterTests.Called("read-c", "GG") with { Sequence = new("GG", "**") }); // Q9: fails
            writer.Commit();
        }
        var lines = File.ReadAllLines(path);
        Assert.Equal(string.Join('\t', SequencingSummary.Columns), lines[0]);
        var rows = lines.Skip(1).Select(l => SequencingSummary.Columns.Zip(l.Split('\t')).ToDictionary(c => c.First, c => c.Second)).ToList();
        Assert.Equal(["read-a", "read-b", "read-c"], rows.Select(r => r["read_id"]));
        var a = rows[0];
        Assert.Equal("run7", a["run_id"]);
        Assert.Equal("42", a["channel"]);
        Assert.Equal("2", a["start_time"]); // sample 8000 at 4 kHz
        Assert.Equal("0.0025", a["duration"]); // 10 samples
        Assert.Equal("10", a["num_samples"]);
        Assert.Equal("4", a["sequence_length_template"]);
        Assert.Equal("20", a["mean_qscore_template"]);
        Assert.Equal("sbonito", a["basecall_model"]);
        Assert.Equal(["TRUE", "TRUE", "FALSE"], rows.Select(r => r["passes_filtering"]));
    }

    [Theory]
    [InlineData("calls.bam", OutputFormat.Bam)]
    [InlineData("x/calls.SAM", OutputFormat.Sam)]
    [InlineData("calls.cram", OutputFormat.Cram)]
    [InlineData("calls.fastq.gz", OutputFormat.Fastq)]
    [InlineData("calls.fq", OutputFormat.Fastq)]
    [InlineData("calls.fa.gz", OutputFormat.Fasta)]
    public void Output_name_picks_the_format(string name, OutputFormat format) => Assert.Equal(format, OutputFormats.FromFileName(name));
}
