using Dipper.Basecaller.Signal;

namespace Dipper.Basecaller.Tests.Signal;

public sealed class Pod5ReaderTests
{
    public static TheoryData<string> SampleFiles => new()
    {
        "ten_reads_pod5_v0",
        "ten_reads_pod5_v3",
        "r10_4khz_four_reads",
        "r10_5khz_one_read",
    };

    internal static string SamplePath(string name) => Path.Combine(ExpectedDecode.DataDir, "pod5", name + ".pod5");

    internal static async Task<List<Read>> ReadAllAsync(ISignalReader reader)
    {
        var reads = new List<Read>();
        await foreach (var read in reader.ReadAllAsync()) reads.Add(read);
        return reads;
    }

    [Theory]
    [MemberData(nameof(SampleFiles))]
    public async Task Every_sample_file_decodes_exactly_as_the_reference_decoders(string name)
    {
        await using var reader = SignalFile.Open(SamplePath(name));
        Assert.IsType<Pod5Reader>(reader);
        Assert.Equal(SignalFormat.Pod5, reader.Format);

        var reads = await ReadAllAsync(reader);

        var lines = reads.Select(ExpectedDecode.Line).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(ExpectedDecode.Load(name), lines);
    }

    [Theory]
    [InlineData("ten_reads_pod5_v0", 4000)]
    [InlineData("ten_reads_pod5_v3", 4000)]
    [InlineData("r10_4khz_four_reads", 4000)]
    [InlineData("r10_5khz_one_read", 5000)]
    public async Task Reads_carry_the_sample_rate_the_run_recorded(string name, double sampleRate)
    {
        await using var reader = new Pod5Reader(SamplePath(name));
        var reads = await ReadAllAsync(reader);
        Assert.NotEmpty(reads);
        Assert.All(reads, r => Assert.Equal(sampleRate, r.SampleRate));
    }

    [Theory]
    [MemberData(nameof(SampleFiles))]
    public async Task Calibrated_dna_signal_lies_between_50_and_150_picoamps(string name)
    {
        await using var reader = new Pod5Reader(SamplePath(name));
        foreach (var read in await ReadAllAsync(reader))
        {
            var meanPicoamps = read.Signal.Average(s => read.Calibration.ToPicoamps(s));
            Assert.InRange(meanPicoamps, 50, 150);
        }
    }

    [Theory]
    [InlineData("ten_reads_pod5_v0")]
    [InlineData("ten_reads_pod5_v3")]
    public async Task Early_and_later_schemas_give_the_same_read_metadata(string name)
    {
        await using var reader = new Pod5Reader(SamplePath(name));
        var reads = await ReadAllAsync(reader);

        var first = reads.Single(r => r.ReadId == "0000173c-bf67-44e7-9a9c-1ad0bc728e74");
        Assert.Equal(109, first.Channel);
        Assert.Equal(1093, first.ReadNumber);
        Assert.Equal(4534321UL, first.StartSample);
        Assert.Equal(21, first.Calibration.Offset);
        Assert.Equal(0.1755002, first.Calibration.Scale, 6);
        Assert.Equal("a08e850aaa44c8b56765eee10b386fc3e516a62b", first.RunId);
        Assert.Equal("sqk-lsk108", first.SequencingKit);
        Assert.All(reads, r => Assert.Equal(SamplePath(name), r.SourcePath));
        Assert.All(reads, r => Assert.True(r.Channel > 0));
    }

    [Fact]
    public async Task MinKNOW_run_info_fills_flow_cell_kit_and_experiment()
    {
        await using var reader = new Pod5Reader(SamplePath("r10_5khz_one_read"));
        var read = Assert.Single(await ReadAllAsync(reader));

        Assert.Equal(277, read.Channel);
        Assert.Equal(121537, read.ReadNumber);
        Assert.Equal(1295872860UL, read.StartSample);
        Assert.Equal("c6df34f043d40f6f45debe33276597a09b8a14a6", read.RunId);
        Assert.Equal("FAW84365", read.FlowCellId);
        Assert.Equal("sqk-lsk114", read.SequencingKit);
        Assert.Equal("2023-06-02_np_FAW84365", read.ExperimentName);
        Assert.Equal(6, read.Calibration.Offset);
    }

    [Fact]
    public async Task Reads_come_in_file_order()
    {
        await using var reader = new Pod5Reader(SamplePath("ten_reads_pod5_v3"));
        var ids = (await ReadAllAsync(reader)).Select(r => r.ReadId).ToArray();
        // The Reads table of the sample lists the read with read number 1093 first.
        Assert.Equal("0000173c-bf67-44e7-9a9c-1ad0bc728e74", ids[0]);
        Assert.Equal(10, ids.Distinct().Count());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Reads_split_over_several_signal_rows_and_batches_decode_whole(bool compressed)
    {
        // Rows of 3,000 samples and 7 rows per batch: most reads span several rows, many span two batches.
        var options = new Pod5WriterOptions { Reads = 30, ReadsPerBatch = 4, SignalRowsPerBatch = 7, MaxSamplesPerRow = 3_000, Compressed = compressed };
        var file = new MemoryStream();
        var expected = Pod5Writer.Write(file, options);
        file.Position = 0;

        await using var reader = new Pod5Reader(file, "generated.pod5");
        var reads = await ReadAllAsync(reader);

        Assert.Equal(expected, reads.Select(ExpectedDecode.Line));
        Assert.All(reads, r => Assert.Equal(Pod5Writer.SampleRate, r.SampleRate));
        Assert.All(reads, r => Assert.Equal(Pod5Writer.AcquisitionId, r.RunId));
        Assert.All(reads, r => Assert.Equal("FAT00001", r.FlowCellId));
        Assert.All(reads, r => Assert.InRange(r.Signal.Average(s => r.Calibration.ToPicoamps(s)), 50, 150));
    }

    [Fact]
    public async Task A_reader_can_be_enumerated_only_once()
    {
        await using var reader = new Pod5Reader(SamplePath("r10_5khz_one_read"));
        await ReadAllAsync(reader);
        await Assert.ThrowsAsync<InvalidOperationException>(() => ReadAllAsync(reader));
    }

    [Theory]
    [InlineData("r10_4khz_four_reads", "FLO-MIN114", "sqk-rbk114-96", "genomic_dna", "R10.4.1 DNA")]
    [InlineData("r10_5khz_one_read", "FLO-MIN114", "sqk-lsk114", "genomic_dna", "R10.4.1 DNA")]
    [InlineData("ten_reads_pod5_v3", null, "sqk-lsk108", "genomic_dna", "R9.4.1 DNA")]
    [InlineData("ten_reads_pod5_v0", null, "sqk-lsk108", "genomic_dna", "R9.4.1 DNA")] // run info in a dictionary of structs
    public async Task Run_info_gives_each_read_its_flow_cell_product_code_kit_and_experiment_type(
        string name, string? productCode, string kit, string experimentType, string chemistry)
    {
        await using var reader = SignalFile.Open(SamplePath(name));
        var reads = await ReadAllAsync(reader);

        Assert.NotEmpty(reads);
        Assert.All(reads, read =>
        {
            Assert.Equal(productCode, read.FlowCellProductCode);
            Assert.Equal(kit, read.SequencingKit);
            Assert.Equal(experimentType, read.ExperimentType);
            Assert.Equal(chemistry, read.Chemistry.ToString());
        });
        if (productCode is not null) Assert.Contains(productCode, reads[0].SequencingProtocol);
    }
}
