using Dipper.Basecaller.Signal;

namespace Dipper.Basecaller.Tests.Signal;

/// <summary>
/// The run's clock start as each reader finds it in the real sample files (values read with h5dump and from the
/// SLOW5/POD5 headers' own text), and the read start times counted from it.
/// </summary>
public sealed class RunStartTimeTests
{
    private static string DataFile(string folder, string name) => Path.Combine(AppContext.BaseDirectory, "data", folder, name);

    private static async Task<List<Read>> ReadAllAsync(string path) => await Blow5ReaderTests.ReadAllAsync(SignalFile.Open(path));

    public static TheoryData<string, string, string?> Files => new()
    {
        // POD5: acquisition_start_time (MinKNOW's tracking_id says exp_start_time 2023-03-27T05:54:59.593666+01:00).
        { "formats/pod5", "r10_4khz_four_reads.pod5", "2023-03-27T04:54:59.593Z" },
        { "formats/pod5", "r10_5khz_one_read.pod5", "2023-06-02T14:12:59.057Z" },
        { "formats/pod5", "ten_reads_pod5_v3.pod5", "2019-05-13T11:11:43.000Z" },
        { "formats/pod5", "ten_reads_pod5_v0.pod5", "2019-05-13T11:11:43.000Z" },
        // FAST5 tracking_id exp_start_time: ISO text in multi-read and 2017 files, Unix seconds ("1481657610") in 2016 ones.
        { "formats/fast5", "ten_reads_deflate.fast5", "2019-05-13T11:11:43.000Z" },
        { "r94-ecoli", "odw_genlab4209_20161213_FN_MN16303_sequencing_run_sample_id_32395_ch107_read4268_strand.fast5", "2016-12-13T19:33:30.000Z" },
        { "r94-klebsiella", "5210_N125509_20170424_FN2002039725_MN19691_sequencing_run_klebs_033_75349_ch100_read2767_strand.fast5", "2017-04-24T05:58:41.000Z" },
        // ONT's VBZ sample keeps the signal alone: no tracking_id, so no run start.
        { "formats/fast5", "ten_reads_vbz_v1.fast5", null },
        // SLOW5/BLOW5 @exp_start_time: ISO text with an offset, or Unix seconds ("1479433093").
        { "formats/blow5", "r10_4khz_four_reads.blow5", "2023-03-27T04:54:59.593Z" },
        { "formats/blow5", "r10_4khz_four_reads.slow5", "2023-03-27T04:54:59.593Z" },
        { "formats/blow5", "one_read_uncompressed.blow5", "2016-11-18T01:38:13.000Z" },
    };

    [Theory]
    [MemberData(nameof(Files))]
    public async Task Each_reader_gives_the_run_start_its_file_records_in_utc(string folder, string name, string? expected)
    {
        var reads = await ReadAllAsync(DataFile(folder, name));
        Assert.NotEmpty(reads);
        foreach (var read in reads)
        {
            Assert.Equal(expected, read.RunStartTime is { } t ? t.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'") : null);
            if (read.RunStartTime is { } start) Assert.Equal(TimeSpan.Zero, start.Offset);
        }
    }

    [Fact]
    public async Task Reads_merged_from_several_runs_keep_the_start_of_their_own_read_group()
    {
        var reads = await ReadAllAsync(DataFile("formats/blow5", "seven_reads_five_groups_zstd_svb-zd.blow5"));
        // @exp_start_time 1474652142 1477632228 1476457409 1476318137 1479560660, one per read group.
        var starts = reads.Select(r => r.RunStartTime!.Value.ToUnixTimeSeconds()).Distinct().Order().ToArray();
        Assert.Equal([1474652142L, 1476318137L, 1476457409L, 1477632228L, 1479560660L], starts);
        Assert.All(reads, r => Assert.Equal(reads.First(s => s.RunId == r.RunId).RunStartTime, r.RunStartTime));
    }

    [Fact]
    public async Task A_readʼs_start_time_is_the_run_start_plus_its_start_sample_over_the_rate()
    {
        var read = Assert.Single(await ReadAllAsync(DataFile("r94-klebsiella",
            "5210_N125509_20170424_FN2002039725_MN19691_sequencing_run_klebs_033_75349_ch100_read2767_strand.fast5")));
        // start_time 54735220 samples at 4000 Hz = 13683.805 s = 3 h 48 min 3.805 s after 05:58:41.
        Assert.Equal(54735220UL, read.StartSample);
        Assert.Equal(new DateTimeOffset(2017, 4, 24, 9, 46, 44, 805, TimeSpan.Zero), read.StartTime);
    }

    [Theory]
    [InlineData("2019-05-13T11:11:43Z", "2019-05-13T11:11:43.000Z")]
    [InlineData("2023-03-27T05:54:59.593666+01:00", "2023-03-27T04:54:59.593Z")]
    [InlineData("1481657610", "2016-12-13T19:33:30.000Z")]
    [InlineData("2017-04-24T05:58:41", "2017-04-24T05:58:41.000Z")]
    [InlineData("", null)]
    [InlineData(".", null)]
    [InlineData("unknown", null)]
    [InlineData("0", null)]
    public void Exp_start_time_text_is_read_as_iso_8601_or_unix_seconds_and_anything_else_is_unknown(string text, string? expected) =>
        Assert.Equal(expected, RunStartTime.Parse(text) is { } t ? t.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'") : null);

    [Fact]
    public void Without_a_run_start_or_a_sample_rate_a_read_has_no_start_time()
    {
        var start = new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero);
        Assert.Null(new Read("r", new short[1], new SignalCalibration(0, 1), 4000) { StartSample = 4000 }.StartTime);
        Assert.Null(new Read("r", new short[1], new SignalCalibration(0, 1), 0) { StartSample = 4000, RunStartTime = start }.StartTime);
        Assert.Equal(start.AddSeconds(1), new Read("r", new short[1], new SignalCalibration(0, 1), 4000) { StartSample = 4000, RunStartTime = start }.StartTime);
    }
}
