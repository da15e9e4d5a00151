using Dipper.Basecaller.Signal;

namespace Dipper.Basecaller.Tests.Signal;

public sealed class Blow5ReaderTests
{
    internal static string Blow5Path(string name) => Path.Combine(ExpectedDecode.DataDir, "blow5", name + ".blow5");

    internal static async Task<List<Read>> ReadAllAsync(ISignalReader reader)
    {
        var reads = new List<Read>();
        await using (reader)
        {
            await foreach (var read in reader.ReadAllAsync()) reads.Add(read);
        }
        return reads;
    }

    public static TheoryData<string> Files => new()
    {
        "one_read_uncompressed", "one_read_zlib_svb-zd", "one_read_zstd_svb-zd", "one_read_zlib_ex-zd",
        "r10_4khz_four_reads", "r10_5khz_one_read", "seven_reads_five_groups_zstd_svb-zd",
    };

    [Theory]
    [MemberData(nameof(Files))]
    public async Task Every_blow5_sample_decodes_as_the_reference_library_does(string name)
    {
        var reader = SignalFile.Open(Blow5Path(name));
        Assert.IsType<Blow5Reader>(reader);
        Assert.Equal(SignalFormat.Blow5, reader.Format);
        var reads = await ReadAllAsync(reader);
        Assert.Equal(ExpectedDecode.Load(name), reads.Select(ExpectedDecode.Line).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task One_read_decodes_identically_in_every_record_and_signal_compression()
    {
        var uncompressed = (await ReadAllAsync(SignalFile.Open(Blow5Path("one_read_uncompressed"))))[0];
        foreach (var name in new[] { "one_read_zlib_svb-zd", "one_read_zstd_svb-zd", "one_read_zlib_ex-zd" })
        {
            var read = (await ReadAllAsync(SignalFile.Open(Blow5Path(name))))[0];
            Assert.Equal(uncompressed.Signal, read.Signal);
            Assert.Equal(uncompressed.Calibration, read.Calibration);
        }
    }

    [Fact]
    public async Task Reads_carry_channel_read_number_start_and_run_metadata_of_their_read_group()
    {
        var reads = await ReadAllAsync(SignalFile.Open(Blow5Path("seven_reads_five_groups_zstd_svb-zd")));
        Assert.Equal(7, reads.Count);
        // File order, with the read groups the records name (0, 1, 2, 3, 4, 4, 4).
        var first = reads[0];
        Assert.Equal("9ed48863-0ab8-4f05-8fbc-1ecf6e3735d6", first.ReadId);
        Assert.Equal(184, first.Channel);
        Assert.Equal(471, first.ReadNumber);
        Assert.Equal(18163167UL, first.StartSample);
        Assert.Equal("c5a0063a61ff107d7682cd1ff5a35645d406b6ce", first.RunId);
        Assert.Equal("FAB39043", first.FlowCellId);
        Assert.Equal(4000, first.SampleRate);
        Assert.Equal(new SignalCalibration(17, 1394.75 / 8192), first.Calibration);
        Assert.Equal(Blow5Path("seven_reads_five_groups_zstd_svb-zd"), first.SourcePath);
        Assert.Equal("FAB42476", reads[1].FlowCellId);
        Assert.Equal("44c1a762baa8edb011b1f5bd241e3cf3976a0b37", reads[1].RunId);
        Assert.Equal(["FAB45332", "FAB45332", "FAB45332"], reads.Skip(4).Select(r => r.FlowCellId));
        Assert.Equal(5, reads.Select(r => r.RunId).Distinct().Count());
    }

    [Fact]
    public async Task R10_reads_report_kit_experiment_and_their_own_sample_rate()
    {
        var four = await ReadAllAsync(SignalFile.Open(Blow5Path("r10_4khz_four_reads")));
        var read = four[0];
        Assert.Equal("f66dba1f-f291-48fd-8b98-647fae410489", read.ReadId);
        Assert.Equal(229, read.Channel);
        Assert.Equal(46853, read.ReadNumber);
        Assert.Equal(126318342UL, read.StartSample);
        Assert.Equal("90d296f125efe823750e8ce173a32289fcec4c56", read.RunId);
        Assert.Equal("FAW18298", read.FlowCellId);
        Assert.Equal("sqk-rbk114-96", read.SequencingKit);
        Assert.Equal("270323_WGS_ISOLATES_KY", read.ExperimentName);
        Assert.All(four, r => Assert.Equal(4000, r.SampleRate));

        var five = await ReadAllAsync(SignalFile.Open(Blow5Path("r10_5khz_one_read")));
        Assert.Equal(5000, Assert.Single(five).SampleRate);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public async Task Dna_signal_calibrates_to_a_plausible_current(string name)
    {
        foreach (var read in await ReadAllAsync(SignalFile.Open(Blow5Path(name))))
        {
            var meanPicoamps = read.Signal.Average(s => read.Calibration.ToPicoamps(s));
            Assert.InRange(meanPicoamps, 50, 150);
        }
    }

    [Fact]
    public async Task A_reader_from_a_stream_decodes_like_one_from_the_file()
    {
        var bytes = await File.ReadAllBytesAsync(Blow5Path("seven_reads_five_groups_zstd_svb-zd"));
        var reads = await ReadAllAsync(new Blow5Reader(new MemoryStream(bytes), "memory.blow5"));
        Assert.Equal(ExpectedDecode.Load("seven_reads_five_groups_zstd_svb-zd"),
            reads.Select(ExpectedDecode.Line).Order(StringComparer.Ordinal));
        Assert.All(reads, r => Assert.Equal("memory.blow5", r.SourcePath));
    }

    [Fact]
    public async Task A_reader_is_enumerated_once()
    {
        await using var reader = new Blow5Reader(Blow5Path("one_read_uncompressed"));
        await foreach (var _ in reader.ReadAllAsync()) { }
        await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await foreach (var _ in reader.ReadAllAsync()) { }
        });
    }

    [Theory]
    [InlineData("r10_4khz_four_reads", "FLO-MIN114", "sqk-rbk114-96", "genomic_dna", "R10.4.1 DNA")]
    // 2016 run: the codes are in exp_script_name only, and experiment_type was MinKNOW 1.x's purpose of the run.
    [InlineData("one_read_zstd_svb-zd", null, null, "customer_qc", "R9.4.1 DNA")]
    public async Task Header_read_groups_give_each_read_its_chemistry(string name, string? productCode, string? kit, string experimentType, string chemistry)
    {
        var reads = await ReadAllAsync(SignalFile.Open(Blow5Path(name)));

        Assert.NotEmpty(reads);
        Assert.All(reads, read =>
        {
            Assert.Equal(productCode, read.FlowCellProductCode);
            Assert.Equal(kit, read.SequencingKit);
            Assert.Equal(experimentType, read.ExperimentType);
            Assert.Equal(chemistry, read.Chemistry.ToString());
        });
    }
}
