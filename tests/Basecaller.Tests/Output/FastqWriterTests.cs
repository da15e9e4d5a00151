using System.IO.Compression;
using Dipper.Basecaller.Decoding;
using Dipper.Basecaller.Output;
using Dipper.Basecaller.Signal;

namespace Dipper.Basecaller.Tests.Output;

public sealed class FastqWriterTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("dipper-fastq-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    internal static CalledRead Called(string id, string bases, string? runId = "run7", int channel = 42, ulong startSample = 8000, long readNumber = 0,
        string? flowCell = null, string? sample = null) =>
        new(new Read(id, new short[10], new SignalCalibration(0, 1), 4000)
            {
                RunId = runId, Channel = channel, StartSample = startSample, ReadNumber = readNumber, FlowCellId = flowCell, ExperimentName = sample,
            },
            new DecodedSequence(bases, new string('5', bases.Length)), "sbonito");

    [Fact]
    public void Each_read_is_four_lines_with_header_fields_and_one_quality_per_base()
    {
        var path = Path.Combine(_folder, "calls.fastq");
        using (var writer = new FastqWriter(path))
        {
            writer.Write(Called("read-a", "ACGT"));
            writer.Write(Called("read-b", "GGA", runId: null, channel: 0, startSample: 2000));
            writer.Commit();
        }
        var lines = File.ReadAllLines(path);
        Assert.Equal(
        [
            "@read-a runid=run7 ch=42 start_time=2 model_version_id=sbonito", "ACGT", "+", "5555",
            "@read-b start_time=0.5 model_version_id=sbonito", "GGA", "+", "555",
        ], lines);
    }

    [Fact]
    public void Header_has_the_fields_Guppy_and_Dorado_write_in_their_order()
    {
        var path = Path.Combine(_folder, "calls.fastq");
        using (var writer = new FastqWriter(path))
        {
            writer.Write(Called("read-a", "ACGT", readNumber: 118, flowCell: "FAN12345", sample: "ecoli sample"));
            writer.Commit();
        }
        Assert.Equal("@read-a runid=run7 sampleid=ecoli_sample read=118 ch=42 start_time=2 flow_cell_id=FAN12345 model_version_id=sbonito",
            File.ReadLines(path).First());
    }

    [Fact]
    public void Output_appears_only_when_committed_and_a_discarded_run_leaves_nothing()
    {
        var path = Path.Combine(_folder, "calls.fastq");
        using (var writer = new FastqWriter(path))
        {
            writer.Write(Called("read-a", "ACGT"));
            Assert.False(File.Exists(path));
            Assert.True(File.Exists(path + ".partial"));
        }
        Assert.False(File.Exists(path));
        Assert.False(File.Exists(path + ".partial"));
    }

    [Fact]
    public void Committing_replaces_an_older_output()
    {
        var path = Path.Combine(_folder, "calls.fastq");
        File.WriteAllText(path, "old");
        using (var writer = new FastqWriter(path))
        {
            writer.Write(Called("new-read", "A"));
            writer.Commit();
        }
        Assert.StartsWith("@new-read", File.ReadAllText(path));
    }

    [Fact]
    public void Name_ending_in_gz_gives_gzip()
    {
        var path = Path.Combine(_folder, "calls.fastq.gz");
        using (var writer = new FastqWriter(path))
        {
            writer.Write(Called("read-a", "ACGT"));
            writer.Commit();
        }
        using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var text = new StreamReader(gzip);
        Assert.Equal("@read-a runid=run7 ch=42 start_time=2 model_version_id=sbonito\nACGT\n+\n5555\n", text.ReadToEnd());
    }
}
