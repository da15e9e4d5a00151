using System.Text;
using Dipper.Basecaller.Signal;

namespace Dipper.Basecaller.Tests.Signal;

public sealed class Slow5ReaderTests
{
    private const string FourReads = "r10_4khz_four_reads";

    internal static string Slow5Path => Path.Combine(ExpectedDecode.DataDir, "blow5", FourReads + ".slow5");

    private static (List<Read> Reads, SignalFormatException? Error) Run(byte[] bytes) =>
        Blow5DamageTests.ReadUntilErrorAsync(new Slow5Reader(new MemoryStream(bytes), "damaged.slow5")).GetAwaiter().GetResult();

    /// <summary>The file's lines (with their line ends) and the index of the first record line.</summary>
    private static (List<byte[]> Lines, int FirstRecord) Lines(byte[] file)
    {
        var lines = new List<byte[]>();
        var start = 0;
        for (var i = 0; i < file.Length; i++)
        {
            if (file[i] != '\n') continue;
            lines.Add(file[start..(i + 1)]);
            start = i + 1;
        }
        return (lines, lines.FindIndex(l => l[0] != '#' && l[0] != '@'));
    }

    [Fact]
    public async Task Slow5_text_decodes_as_the_reference_library_does()
    {
        var reader = SignalFile.Open(Slow5Path);
        Assert.IsType<Slow5Reader>(reader);
        Assert.Equal(SignalFormat.Slow5, reader.Format);
        var reads = await Blow5ReaderTests.ReadAllAsync(reader);
        Assert.Equal(ExpectedDecode.Load(FourReads), reads.Select(ExpectedDecode.Line).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Slow5_text_and_blow5_of_the_same_reads_agree_on_signal_and_metadata()
    {
        var text = await Blow5ReaderTests.ReadAllAsync(SignalFile.Open(Slow5Path));
        var binary = await Blow5ReaderTests.ReadAllAsync(SignalFile.Open(Blow5ReaderTests.Blow5Path(FourReads)));
        Assert.Equal(binary.Count, text.Count);
        foreach (var (t, b) in text.Zip(binary))
        {
            Assert.Equal(b.ReadId, t.ReadId);
            Assert.Equal(b.Signal, t.Signal);
            Assert.Equal(b.Channel, t.Channel);
            Assert.Equal(b.ReadNumber, t.ReadNumber);
            Assert.Equal(b.StartSample, t.StartSample);
            Assert.Equal(b.SampleRate, t.SampleRate);
            Assert.Equal(b.RunId, t.RunId);
            Assert.Equal(b.FlowCellId, t.FlowCellId);
            Assert.Equal(b.SequencingKit, t.SequencingKit);
            Assert.Equal(b.ExperimentName, t.ExperimentName);
            Assert.Equal(b.Calibration.Offset, t.Calibration.Offset);
            // Text keeps six decimals of the float range.
            Assert.Equal(b.Calibration.Scale, t.Calibration.Scale, 1e-9);
        }
        Assert.Equal(229, text[0].Channel);
        Assert.Equal(4000, text[0].SampleRate);
        Assert.All(text, r => Assert.InRange(r.Signal.Average(s => r.Calibration.ToPicoamps(s)), 50, 150));
    }

    [Fact]
    public void Slow5_reads_take_run_metadata_from_their_own_read_group()
    {
        // Make the file two read groups (the second from another run) and move the third read into it.
        var lines = File.ReadAllLines(Slow5Path).Select(line =>
            line == "#num_read_groups\t1" ? "#num_read_groups\t2"
            : line.StartsWith("@run_id\t", StringComparison.Ordinal) ? line + "\tanother_run"
            : line.StartsWith('@') ? line + "\t."
            : line).ToList();
        var third = lines.FindIndex(l => l.StartsWith("30f393d8", StringComparison.Ordinal));
        lines[third] = lines[third].Replace("\t0\t8192\t", "\t1\t8192\t");

        var (reads, error) = Run(Encoding.ASCII.GetBytes(string.Join('\n', lines) + "\n"));
        Assert.Null(error);
        Assert.Equal(4, reads.Count);
        Assert.Equal("another_run", reads[2].RunId);
        Assert.Null(reads[2].FlowCellId); // "." in the second group
        Assert.Equal("90d296f125efe823750e8ce173a32289fcec4c56", reads[3].RunId);
        Assert.Equal("FAW18298", reads[3].FlowCellId);
    }

    [Fact]
    public void Malformed_slow5_line_is_skipped_by_line_number_and_later_reads_still_come()
    {
        var (lines, first) = Lines(File.ReadAllBytes(Slow5Path));
        // Drop the tab between channel_number and median_before in the second record.
        var line = lines[first + 1];
        var tabs = line.Select((b, i) => (b, i)).Where(x => x.b == '\t').Select(x => x.i).ToArray();
        lines[first + 1] = [.. line[..tabs[8]], .. line[(tabs[8] + 1)..]];

        var (reads, error) = Run(lines.SelectMany(l => l).ToArray());
        Assert.Equal(["f66dba1f-f291-48fd-8b98-647fae410489", "30f393d8-8937-4d64-bef8-f24661fb0c75", "3a8d4c0d-f3ba-48e8-b0db-e9177a04e67f"],
            reads.Select(r => r.ReadId));
        Assert.NotNull(error);
        Assert.Contains($"line {first + 2} is malformed", error.Message);
        Assert.Equal("892e9155-78a5-4a9e-89f4-aa2f573ea32e", error.ReadId);
        Assert.Equal(lines.Take(first + 1).Sum(l => l.Length), error.Offset);
    }

    [Fact]
    public void Slow5_line_with_fewer_samples_than_declared_is_refused_whole()
    {
        var (lines, first) = Lines(File.ReadAllBytes(Slow5Path));
        var text = Encoding.ASCII.GetString(lines[first]);
        lines[first] = Encoding.ASCII.GetBytes(text.Replace("\t20210\t568,534,", "\t20210\t568,"));

        var (reads, error) = Run(lines.SelectMany(l => l).ToArray());
        Assert.Equal(3, reads.Count);
        Assert.NotNull(error);
        Assert.Contains("20209 samples but len_raw_signal says 20210", error.Message);
    }

    [Fact]
    public void Slow5_cut_inside_its_last_line_keeps_the_whole_lines_and_reports_the_cut()
    {
        var bytes = File.ReadAllBytes(Slow5Path);
        var (reads, error) = Run(bytes[..^1000]);
        Assert.Equal(3, reads.Count);
        Assert.NotNull(error);
        Assert.Contains("has no line end", error.Message);
        Assert.Equal("damaged.slow5", error.Path);
    }

    [Fact]
    public void Slow5_with_a_damaged_header_is_refused_before_any_read()
    {
        var text = File.ReadAllText(Slow5Path).Replace("#num_read_groups\t1", "#num_read_groups\t2");
        var (reads, error) = Run(Encoding.ASCII.GetBytes(text));
        Assert.Empty(reads);
        Assert.NotNull(error);
        Assert.Contains("damaged header at line 3", error.Message);

        (reads, error) = Run(File.ReadAllBytes(Slow5Path)[..2000]);
        Assert.Empty(reads);
        Assert.NotNull(error);
    }

    [Fact]
    public async Task Header_gives_each_read_its_flow_cell_product_code_kit_experiment_type_and_protocol()
    {
        var reads = await Blow5ReaderTests.ReadAllAsync(SignalFile.Open(Slow5Path));

        Assert.Equal(4, reads.Count);
        Assert.All(reads, read =>
        {
            Assert.Equal("FLO-MIN114", read.FlowCellProductCode);
            Assert.Equal("sqk-rbk114-96", read.SequencingKit);
            Assert.Equal("genomic_dna", read.ExperimentType);
            Assert.Equal("sequencing/sequencing_MIN114_DNA_e8_2_400T:FLO-MIN114:SQK-RBK114-96:400", read.SequencingProtocol);
            Assert.Equal(SequencingChemistry.Parse("R10.4.1 DNA"), read.Chemistry);
        });
    }
}
