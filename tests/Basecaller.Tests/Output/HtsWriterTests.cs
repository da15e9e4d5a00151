using System.Globalization;
using Dipper.Basecaller.Decoding;
using Dipper.Basecaller.Output;
using Dipper.Basecaller.Signal;

namespace Dipper.Basecaller.Tests.Output;

public sealed class HtsWriterTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("dipper-hts-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static CalledRead Called(string id, string bases, string qualities, string? runId = "run7", int[]? frames = null) =>
        new(new Read(id, new short[4000], new SignalCalibration(0, 1), 4000)
            {
                RunId = runId, Channel = 42, ReadNumber = 118, StartSample = 8000, FlowCellId = "FAN12345", ExperimentName = "ecoli",
                SourcePath = "/data/run1/pod5/PAK_0.pod5",
            },
            new DecodedSequence(bases, qualities) { BaseFrames = frames }, "sbonito")
        {
            Moves = frames is null ? null : MoveTable.FromPath(frames, 800, 5),
        };

    private string Write(string name, OutputFormat format, bool moves, params CalledRead[] reads)
    {
        var path = Path.Combine(_folder, name);
        using var writer = new HtsWriter(path, format, new HtsOutputOptions { EmitMoves = moves, CommandLine = "dipperd basecall -o x.bam" });
        foreach (var read in reads) writer.Write(read);
        writer.Commit();
        return path;
    }

    [Fact]
    public void Bam_holds_each_read_unmapped_with_bases_qualities_and_Doradoʼs_tags()
    {
        var path = Write("calls.bam", OutputFormat.Bam, moves: true,
            Called("read-a", "ACGT", "+5?I", frames: [0, 3, 4, 700]), Called("read-b", "GGA", "555", frames: [10, 20, 30]));

        Samtools.QuickCheck(path);
        var records = Samtools.View(path);
        Assert.Equal(["read-a", "read-b"], records.Select(r => r[0]));
        var a = records[0];
        Assert.Equal("4", a[1]); // unmapped
        Assert.Equal("*", a[2]);
        Assert.Equal("ACGT", a[9]);
        Assert.Equal("+5?I", a[10]);
        var inv = CultureInfo.InvariantCulture;
        Assert.Equal(MeanQuality.Of("+5?I"), double.Parse(Samtools.Tag(a, "qs")!, inv), 0.001);
        Assert.Equal(1.0, double.Parse(Samtools.Tag(a, "du")!, inv), 6);
        Assert.Equal("4000", Samtools.Tag(a, "ns"));
        Assert.Equal("0", Samtools.Tag(a, "ts"));
        Assert.Equal("42", Samtools.Tag(a, "ch"));
        Assert.Equal("118", Samtools.Tag(a, "rn"));
        Assert.Equal("PAK_0.pod5", Samtools.Tag(a, "fn"));
        Assert.Equal("run7_sbonito", Samtools.Tag(a, "RG"));
        var moves = Samtools.Tag(a, "mv")!;
        Assert.StartsWith("c,5,1,0,0,1,1,", moves);
        Assert.Equal(801, moves.Split(',').Length - 1); // the stride, then 800 frames
    }

    [Theory]
    [InlineData("r94-klebsiella/5210_N125509_20170424_FN2002039725_MN19691_sequencing_run_klebs_033_75349_ch100_read2767_strand.fast5",
        "2017-04-24T09:46:44.805+00:00")] // exp_start_time 2017-04-24T05:58:41Z + 54735220 samples / 4000 Hz (3 h 48 min 3.805 s)
    [InlineData("formats/pod5/r10_5khz_one_read.pod5",
        "2023-06-05T14:12:33.629+00:00")] // acquisition start 2023-06-02T14:12:59.057Z + 1295872860 samples / 5000 Hz (72 h less 25.428 s)
    public async Task St_is_the_readʼs_clock_start_in_utc_from_the_run_start_its_signal_file_records(string file, string expected)
    {
        var reads = await Signal.Blow5ReaderTests.ReadAllAsync(SignalFile.Open(Path.Combine(AppContext.BaseDirectory, "data", file)));
        var read = Assert.Single(reads);
        var path = Write("calls.bam", OutputFormat.Bam, moves: false, new CalledRead(read, new DecodedSequence("ACGT", "5555"), "sbonito"));
        Assert.Equal(expected, Samtools.Tag(Samtools.View(path)[0], "st"));
        Assert.Contains($"\tst:Z:{expected}\t", Samtools.Run("view", path).Output);
    }

    [Fact]
    public void St_is_left_out_when_the_signal_file_records_no_run_start()
    {
        var path = Write("calls.bam", OutputFormat.Bam, moves: false, Called("read-a", "ACGT", "5555"));
        var record = Assert.Single(Samtools.View(path));
        Assert.Null(Samtools.Tag(record, "st"));
        Assert.Equal("42", Samtools.Tag(record, "ch"));
    }

    [Fact]
    public void Header_names_the_program_command_and_the_run_and_model_as_read_group()
    {
        var path = Write("calls.bam", OutputFormat.Bam, moves: false, Called("read-a", "ACGT", "5555"));
        var header = Samtools.Header(path);
        Assert.Contains("@PG\tID:basecaller\tPN:dipperd\tVN:" + new HtsOutputOptions().Version + "\tCL:dipperd basecall -o x.bam", header);
        Assert.Contains("@RG\tID:run7_sbonito\tPU:FAN12345\tPL:ONT\tDS:basecall_model=sbonito runid=run7\tLB:ecoli\tSM:ecoli", header);
        Assert.Null(Samtools.Tag(Samtools.View(path)[0], "mv")); // only on request
    }

    [Fact]
    public void Reads_of_a_run_the_header_does_not_declare_carry_no_read_group()
    {
        var path = Write("calls.bam", OutputFormat.Bam, moves: false, Called("read-a", "ACGT", "5555"), Called("read-b", "ACGT", "5555", runId: "run8"));
        var records = Samtools.View(path);
        Assert.Equal("run7_sbonito", Samtools.Tag(records[0], "RG"));
        Assert.Null(Samtools.Tag(records[1], "RG"));
    }

    [Theory]
    [InlineData("calls.sam", OutputFormat.Sam)]
    [InlineData("calls.cram", OutputFormat.Cram)]
    public void Sam_and_cram_are_read_by_samtools_too(string name, OutputFormat format)
    {
        var path = Write(name, format, moves: true, Called("read-a", "ACGT", "+5?I", frames: [0, 3, 4, 700]));
        Samtools.QuickCheck(path);
        var record = Assert.Single(Samtools.View(path));
        Assert.Equal("ACGT", record[9]);
        Assert.Equal("+5?I", record[10]);
        Assert.NotNull(Samtools.Tag(record, "mv"));
    }

    [Fact]
    public void A_file_without_reads_is_a_whole_bam_with_its_header()
    {
        var path = Write("empty.bam", OutputFormat.Bam, moves: false);
        Samtools.QuickCheck(path);
        Assert.Empty(Samtools.View(path));
        Assert.Contains(Samtools.Header(path), l => l.StartsWith("@PG\tID:basecaller", StringComparison.Ordinal));
    }

    [Fact]
    public void Output_appears_only_when_committed_and_a_discarded_run_leaves_nothing()
    {
        var path = Path.Combine(_folder, "calls.bam");
        using (var writer = new HtsWriter(path, OutputFormat.Bam, new HtsOutputOptions()))
        {
            writer.Write(Called("read-a", "ACGT", "5555"));
            Assert.False(File.Exists(path));
            Assert.True(File.Exists(path + ".partial"));
        }
        Assert.Empty(Directory.GetFiles(_folder));
    }

    [Fact]
    public void Reads_come_back_by_name_and_length_and_a_cut_short_bam_is_refused()
    {
        var reads = Enumerable.Range(0, 300).Select(i => Called($"read-{i}", new string('A', 2000), new string('5', 2000))).ToArray();
        var path = Write("calls.bam", OutputFormat.Bam, moves: false, reads);
        Assert.Equal(reads.Select(r => (r.Read.ReadId, 2000)), HtsFileReads.Read(path));

        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        Assert.ThrowsAny<InvalidDataException>(() => HtsFileReads.Read(path));
    }
}
