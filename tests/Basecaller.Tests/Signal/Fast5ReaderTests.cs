using System.Buffers.Binary;
using Dipper.Basecaller.Signal;

namespace Dipper.Basecaller.Tests.Signal;

public class Fast5ReaderTests
{
    internal static string FormatsFile(string name) => Path.Combine(ExpectedDecode.DataDir, "fast5", name + ".fast5");

    internal static string R94Dir => Path.Combine(AppContext.BaseDirectory, "data", "r94-ecoli");

    /// <summary>The smallest R9.4 single-read file (100 KB, 65,030 samples in 4 deflate chunks).</summary>
    internal static string SmallR94File =>
        Path.Combine(R94Dir, "odw_genlab4209_20161213_FN_MN16303_sequencing_run_sample_id_32395_ch107_read4268_strand.fast5");

    internal static IReadOnlyList<string> R94Expected =>
        File.ReadAllLines(Path.Combine(R94Dir, "expected.tsv")).Where(l => l.Length > 0).ToArray();

    /// <summary>Reads everything the reader delivers and the exception it ends with, if any.</summary>
    internal static async Task<(List<Read> Reads, Exception? Error)> ReadAll(ISignalReader reader)
    {
        var reads = new List<Read>();
        try
        {
            await foreach (var read in reader.ReadAllAsync()) reads.Add(read);
            return (reads, null);
        }
        catch (Exception e)
        {
            return (reads, e);
        }
        finally
        {
            await reader.DisposeAsync();
        }
    }

    internal static Task<(List<Read> Reads, Exception? Error)> ReadAll(byte[] content, string name = "mutated.fast5") =>
        ReadAll(new Fast5Reader(new MemoryStream(content, writable: false), name));

    [Theory]
    [InlineData("ten_reads_deflate")]
    [InlineData("ten_reads_vbz_v0")]
    [InlineData("ten_reads_vbz_v1")]
    public async Task Multi_read_sample_decodes_exactly_as_h5py(string name)
    {
        await using var reader = SignalFile.Open(FormatsFile(name));
        Assert.IsType<Fast5Reader>(reader);
        Assert.Equal(SignalFormat.Fast5, reader.Format);

        var (reads, error) = await ReadAll(reader);

        Assert.Null(error);
        Assert.Equal(ExpectedDecode.Load(name), reads.Select(ExpectedDecode.Line).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Single_read_r94_files_decode_exactly_as_h5py()
    {
        var lines = new List<string>();
        foreach (var path in Directory.GetFiles(R94Dir, "*.fast5").Order(StringComparer.Ordinal))
        {
            var (reads, error) = await ReadAll(SignalFile.Open(path));
            Assert.Null(error);
            var read = Assert.Single(reads);
            Assert.Equal(path, read.SourcePath);
            lines.Add(ExpectedDecode.Line(read));
        }
        Assert.Equal(10, lines.Count);
        Assert.Equal(R94Expected, lines.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Single_read_metadata_comes_from_read_group_and_unique_global_key()
    {
        var (reads, error) = await ReadAll(SignalFile.Open(SmallR94File));

        Assert.Null(error);
        var read = Assert.Single(reads);
        Assert.Equal("bdfab7a9-1792-4c9a-9428-261e109cdfae", read.ReadId);
        Assert.Equal(4000, read.SampleRate);
        Assert.Equal(107, read.Channel);
        Assert.Equal(4268, read.ReadNumber);
        Assert.Equal(79038126UL, read.StartSample);
        Assert.Equal("0cc960b63c07619b4bf2917507d447479a21da66", read.RunId);
        Assert.Null(read.FlowCellId); // stored as an empty string
        Assert.Equal(26, read.Calibration.Offset);
        Assert.Equal(1444.86 / 8192, read.Calibration.Scale, 12);
        AssertDnaCurrent(read);
    }

    [Fact]
    public async Task Single_read_files_whose_groups_keep_their_links_in_the_object_header_decode_as_the_hdf5_library_does()
    {
        // /Raw/Reads and /UniqueGlobalKey hold link messages while their parents cache an old, empty symbol table for
        // them (real Klebsiella reads, MinKNOW 2017): read through the cache they looked empty ("holds no read groups").
        var folder = Path.Combine(AppContext.BaseDirectory, "data", "r94-klebsiella");
        var lines = new List<string>();
        foreach (var path in Directory.GetFiles(folder, "*.fast5").Order(StringComparer.Ordinal))
        {
            var (reads, error) = await ReadAll(SignalFile.Open(path));
            Assert.Null(error);
            var read = Assert.Single(reads);
            lines.Add(ExpectedDecode.Line(read));
            // The channel's calibration and rate come from /UniqueGlobalKey/channel_id, behind the same kind of stale cache.
            Assert.Equal(4000, read.SampleRate);
            var offsetOfChannel = new Dictionary<int, double> { [100] = 37, [107] = 26, [109] = 27 }; // h5dump -A -g /UniqueGlobalKey/channel_id
            Assert.Equal(SignalCalibration.FromRange(offsetOfChannel[read.Channel], 1482.86, 8192), read.Calibration);
            Assert.Equal("01f68662d08b0a5d21077bf590c4c497b9092ef0", read.RunId);
            AssertDnaCurrent(read);
        }
        Assert.Equal(3, lines.Count);
        Assert.Equal(File.ReadAllLines(Path.Combine(folder, "expected.tsv")).Where(l => l.Length > 0), lines.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("ten_reads_deflate")]
    [InlineData("ten_reads_vbz_v0")]
    public async Task Multi_read_metadata_comes_from_each_read_group(string name)
    {
        var (reads, error) = await ReadAll(SignalFile.Open(FormatsFile(name)));

        Assert.Null(error);
        Assert.Equal(10, reads.Count);
        foreach (var read in reads)
        {
            Assert.Equal(4000, read.SampleRate);
            Assert.InRange(read.Channel, 1, 512);
            Assert.True(read.ReadNumber > 0);
            Assert.Equal("a08e850aaa44c8b56765eee10b386fc3e516a62b", read.RunId);
            Assert.Equal("sqk-lsk108", read.SequencingKit);
            Assert.Equal("TEST_EXPERIMENT", read.ExperimentName);
            AssertDnaCurrent(read);
        }
        var first = reads.Single(r => r.ReadId == "0000173c-bf67-44e7-9a9c-1ad0bc728e74");
        Assert.Equal((109, 1093L, 4534321UL), (first.Channel, first.ReadNumber, first.StartSample));
        Assert.Equal(SignalCalibration.FromRange(21, 1437.6976318359375, 8192), first.Calibration);
    }

    [Fact]
    public async Task Vbz_v1_sample_without_read_attributes_takes_ids_from_group_names()
    {
        var (reads, error) = await ReadAll(SignalFile.Open(FormatsFile("ten_reads_vbz_v1")));

        Assert.Null(error);
        Assert.Equal(ExpectedDecode.Load("ten_reads_vbz_v1").Select(l => l.Split('\t')[0]), reads.Select(r => r.ReadId));
        // The file has no channel_id: rate and calibration are unknown, not invented.
        Assert.All(reads, r => Assert.Equal(0, r.SampleRate));
        Assert.All(reads, r => Assert.True(double.IsNaN(r.Calibration.Scale)));
    }

    private static void AssertDnaCurrent(Read read)
    {
        var meanPicoamps = read.Signal.Average(s => read.Calibration.ToPicoamps(s));
        Assert.InRange(meanPicoamps, 50, 150);
    }

    [Fact]
    public async Task Truncated_fast5_reports_offset_and_keeps_complete_reads()
    {
        // HDF5 writers put object-header continuations last: cutting the final 555 bytes loses the
        // metadata of the last four reads, while the first six are whole.
        var content = File.ReadAllBytes(FormatsFile("ten_reads_deflate"));
        var cut = content.Length - 555;

        var (reads, error) = await ReadAll(content[..cut], "cut.fast5");

        var problem = Assert.IsType<SignalFormatException>(error);
        Assert.Equal("cut.fast5", problem.Path);
        Assert.Equal(cut, problem.Offset);
        Assert.Contains("truncated", problem.Message);
        Assert.Equal(4, problem.OtherDamage.Count);
        Assert.All(problem.OtherDamage, d => Assert.NotNull(d.ReadId));
        Assert.Equal(ExpectedDecode.Load("ten_reads_deflate").Take(6), reads.Select(ExpectedDecode.Line));
    }

    [Fact]
    public async Task Fast5_truncated_before_its_root_group_metadata_delivers_nothing_and_says_where()
    {
        var content = File.ReadAllBytes(FormatsFile("ten_reads_deflate"));
        var cut = content.Length * 7 / 10;

        var (reads, error) = await ReadAll(content[..cut], "cut.fast5");

        Assert.Empty(reads);
        var problem = Assert.IsType<SignalFormatException>(error);
        Assert.Equal(cut, problem.Offset);
        Assert.Contains("root", Assert.Single(problem.OtherDamage).Message);
    }

    [Fact]
    public async Task Corrupt_vbz_chunk_skips_that_read_names_it_and_keeps_the_others()
    {
        var content = File.ReadAllBytes(FormatsFile("ten_reads_vbz_v0"));
        // Damage the fourth chunk's zstd frame and block headers. (Damage deeper inside a frame can go
        // unnoticed: these frames carry no checksum, and stream-vbyte data bytes have no redundancy.)
        var frame = FindZstdFrames(content).ElementAt(3);
        content.AsSpan(frame + 4, 12).Fill(0xFF);

        var (reads, error) = await ReadAll(content, "corrupt.fast5");

        var problem = Assert.IsType<SignalFormatException>(error);
        Assert.Empty(problem.OtherDamage);
        Assert.NotNull(problem.ReadId);
        Assert.NotNull(problem.Offset);
        Assert.Contains("corrupt.fast5", problem.Message);
        var expected = ExpectedDecode.Load("ten_reads_vbz_v0");
        Assert.Equal(expected.Where(l => !l.StartsWith(problem.ReadId!)), reads.Select(ExpectedDecode.Line));
        Assert.Equal(9, reads.Count);
    }

    /// <summary>Offsets of zstd frames (VBZ chunks start with a 4-byte size, then the frame).</summary>
    private static IEnumerable<int> FindZstdFrames(byte[] content)
    {
        for (var i = 0; i + 4 <= content.Length; i++)
            if (BinaryPrimitives.ReadUInt32LittleEndian(content.AsSpan(i)) == 0xFD2FB528) yield return i;
    }

    [Fact]
    public async Task Bad_superblock_version_is_a_format_error_at_its_offset()
    {
        var content = File.ReadAllBytes(SmallR94File);
        content[8] = 7;

        var (reads, error) = await ReadAll(content, "bad.fast5");

        Assert.Empty(reads);
        var problem = Assert.IsType<SignalFormatException>(error);
        Assert.Equal(8, problem.Offset);
        Assert.Contains("superblock", problem.Message);
    }

    [Fact]
    public async Task Content_that_is_not_hdf5_is_a_format_error()
    {
        var (reads, error) = await ReadAll("#slow5_version\t0.2.0\nnot hdf5 at all"u8.ToArray(), "text.fast5");

        Assert.Empty(reads);
        Assert.Equal(0, Assert.IsType<SignalFormatException>(error).Offset);
    }

    [Fact]
    public async Task Unreadable_root_group_is_a_format_error()
    {
        var content = File.ReadAllBytes(SmallR94File);
        // The root group's symbol-table entry follows the superblock's four 8-byte addresses (byte 56 on):
        // point its object header somewhere that holds none.
        BinaryPrimitives.WriteUInt64LittleEndian(content.AsSpan(64), 40_000);

        var (reads, error) = await ReadAll(content, "root.fast5");

        Assert.Empty(reads);
        var problem = Assert.IsType<SignalFormatException>(error);
        Assert.Contains("root", problem.Message);
    }

    [Fact]
    public async Task File_still_being_written_is_reported_as_truncated()
    {
        // A run in progress: the superblock already promises more than has reached the disk.
        var content = File.ReadAllBytes(SmallR94File);
        var written = content.Length - 5000;

        var (reads, error) = await ReadAll(content[..written], "writing.fast5");

        Assert.Empty(reads); // the single read's last chunk is not on disk yet
        var problem = Assert.IsType<SignalFormatException>(error);
        Assert.Equal(written, problem.Offset);
        Assert.Contains("still being written", problem.Message);
    }

    [Fact]
    public async Task Hdf5_file_whose_writer_still_has_it_open_is_reported_as_being_written()
    {
        // HDF5 1.10+ superblocks (version 2/3, as PureHDF writes) flag a file a writer holds open.
        var id = "0f5c1e2d-3b4a-4c5d-8e6f-708192a3b4c5";
        var file = new PureHDF.H5File
        {
            ["read_" + id] = new PureHDF.H5Group { ["Raw"] = new PureHDF.H5Group { ["Signal"] = new short[] { 500, 501, 502 } } },
        };
        using var stream = new MemoryStream();
        file.Write(stream);
        var content = stream.ToArray();
        Assert.Equal(3, content[8]); // superblock version 3
        content[11] |= 0b1; // "open for writing"

        var (reads, error) = await ReadAll(content, "open.fast5");

        var problem = Assert.IsType<SignalFormatException>(error);
        Assert.Contains("still being written", problem.Message);
        Assert.Equal(0, problem.Offset);
        Assert.All(reads, r => Assert.Equal(new short[] { 500, 501, 502 }, r.Signal));
    }

    [Fact]
    public async Task Btree_node_listing_itself_as_child_is_a_format_error_not_a_stack_overflow()
    {
        // The root group's B-tree node (at byte 136) becomes an internal node whose only child is itself.
        // PureHDF would recurse until the process dies; the reader stops it while the stack can unwind.
        var content = File.ReadAllBytes(SmallR94File);
        Assert.Equal("TREE"u8.ToArray(), content[136..140]);
        content[136 + 5] = 1;
        BinaryPrimitives.WriteUInt64LittleEndian(content.AsSpan(136 + 24 + 8), 136);

        var (reads, error) = await Task.Run(() => ReadAll(content, "cycle.fast5"));

        Assert.Empty(reads);
        Assert.Contains("nests too deeply", Assert.IsType<SignalFormatException>(error).Message);
    }

    [Fact]
    public async Task Object_header_continuing_into_itself_is_a_format_error_not_a_hang()
    {
        // The signal dataset's header (byte 3896) gets a continuation message pointing back at its own
        // messages, which PureHDF would follow forever; the reader's read budget ends it.
        var content = File.ReadAllBytes(SmallR94File);
        BinaryPrimitives.WriteUInt16LittleEndian(content.AsSpan(3984), 0x10);
        BinaryPrimitives.WriteUInt64LittleEndian(content.AsSpan(3984 + 8), 3912);
        BinaryPrimitives.WriteUInt64LittleEndian(content.AsSpan(3984 + 16), 256);

        var (reads, error) = await ReadAll(content, "loop.fast5").WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Empty(reads);
        var problem = Assert.IsType<SignalFormatException>(error);
        Assert.Contains("loops", problem.Message);
        Assert.Equal("bdfab7a9-1792-4c9a-9428-261e109cdfae", problem.ReadId);
    }

    [Fact]
    public async Task Reader_can_be_enumerated_only_once()
    {
        await using var reader = new Fast5Reader(SmallR94File);
        await foreach (var _ in reader.ReadAllAsync()) { }

        await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await foreach (var _ in reader.ReadAllAsync()) { }
        });
    }

    [Fact]
    public async Task Cancellation_stops_reading_with_operation_canceled()
    {
        await using var reader = new Fast5Reader(FormatsFile("ten_reads_vbz_v0"));
        using var cancel = new CancellationTokenSource();
        var count = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in reader.ReadAllAsync(cancel.Token))
            {
                if (++count == 2) cancel.Cancel();
            }
        });
        Assert.Equal(2, count);
    }

    [Fact]
    public async Task Tracking_id_and_context_tags_of_2016_r94_files_give_their_chemistry_through_the_protocol_name()
    {
        // MinKNOW 1.1 wrote no flow_cell_product_code or sequencing_kit; the script name carries both codes.
        await using var reader = SignalFile.Open(Directory.GetFiles(R94Dir, "*.fast5").Order(StringComparer.Ordinal).First());
        var read = Assert.Single((await ReadAll(reader)).Reads);

        Assert.Null(read.FlowCellProductCode);
        Assert.Null(read.SequencingKit);
        Assert.Equal("genomic_dna", read.ExperimentType); // context_tags' experiment_kit in these files
        Assert.Equal("python/recipes/nc/NC_48Hr_Sequencing_Run_FLO-MIN106_SQK-LSK108.py", read.SequencingProtocol);
        Assert.Equal(SequencingChemistry.Parse("R9.4.1 DNA"), read.Chemistry);
    }

    [Theory]
    [InlineData("ten_reads_deflate", "sqk-lsk108", "genomic_dna", "R9.4.1 DNA")]
    [InlineData("ten_reads_vbz_v0", "sqk-lsk108", "genomic_dna", "R9.4.1 DNA")]
    [InlineData("ten_reads_vbz_v1", null, null, "unknown")] // signal only: no tracking_id, no context_tags
    public async Task Multi_read_files_give_each_read_the_kit_and_experiment_type_of_their_context_tags(
        string name, string? kit, string? experimentType, string chemistry)
    {
        await using var reader = SignalFile.Open(FormatsFile(name));
        var (reads, error) = await ReadAll(reader);

        Assert.Null(error);
        Assert.Equal(10, reads.Count);
        Assert.All(reads, read =>
        {
            Assert.Equal(kit, read.SequencingKit);
            Assert.Equal(experimentType, read.ExperimentType);
            Assert.Equal(chemistry, read.Chemistry.ToString());
        });
    }
}
