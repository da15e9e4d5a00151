using System.Buffers.Binary;
using Dipper.Basecaller.Signal;

namespace Dipper.Basecaller.Tests.Signal;

public sealed class Blow5DamageTests
{
    private const string SevenReads = "seven_reads_five_groups_zstd_svb-zd";

    private static string BadPath(string name) => Path.Combine(ExpectedDecode.DataDir, "bad", name + ".blow5");

    /// <summary>Enumerates to the end; returns what was delivered and the error that ended it (null if none).</summary>
    internal static async Task<(List<Read> Reads, SignalFormatException? Error)> ReadUntilErrorAsync(ISignalReader reader)
    {
        var reads = new List<Read>();
        await using (reader)
        {
            try
            {
                await foreach (var read in reader.ReadAllAsync()) reads.Add(read);
                return (reads, null);
            }
            catch (SignalFormatException e)
            {
                return (reads, e);
            }
        }
    }

    private static (List<Read>, SignalFormatException?) Run(byte[] bytes) =>
        ReadUntilErrorAsync(new Blow5Reader(new MemoryStream(bytes), "damaged.blow5")).GetAwaiter().GetResult();

    /// <summary>Start offsets of the records (their size fields) of a well-formed file.</summary>
    internal static List<(long Start, long End)> RecordSpans(byte[] file)
    {
        var spans = new List<(long, long)>();
        long offset = 68 + BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(64));
        while (offset + 8 <= file.Length)
        {
            var size = (long)BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan((int)offset));
            spans.Add((offset, offset + 8 + size));
            offset += 8 + size;
        }
        return spans;
    }

    [Fact]
    public async Task Truncated_blow5_keeps_its_complete_reads_and_reports_the_missing_end_marker()
    {
        var path = BadPath("truncated");
        var (reads, error) = await ReadUntilErrorAsync(SignalFile.Open(path));
        // The file holds all seven records of the seven-read sample (zlib), cut before 5WOLB.
        Assert.Equal(ExpectedDecode.Load(SevenReads), reads.Select(ExpectedDecode.Line).Order(StringComparer.Ordinal));
        Assert.NotNull(error);
        Assert.Equal(path, error.Path);
        Assert.Equal(new FileInfo(path).Length, error.Offset);
        Assert.Contains("end marker 5WOLB missing", error.Message);
        Assert.Empty(error.OtherDamage);
    }

    [Fact]
    public async Task Blow5_with_a_damaged_end_marker_keeps_its_read_and_reports_where_the_end_should_be()
    {
        var path = BadPath("missing_eof");
        var (reads, error) = await ReadUntilErrorAsync(SignalFile.Open(path));
        Assert.Equal(ExpectedDecode.Load("one_read_uncompressed"), reads.Select(ExpectedDecode.Line));
        Assert.NotNull(error);
        Assert.Equal(new FileInfo(path).Length - 5, error.Offset); // the five bytes "5WOfB"
        Assert.Contains("end marker", error.Message);
    }

    [Fact]
    public async Task Blow5_whose_header_length_cuts_the_header_short_is_refused_at_the_header()
    {
        var path = BadPath("bad_header_length");
        var (reads, error) = await ReadUntilErrorAsync(SignalFile.Open(path));
        Assert.Empty(reads);
        Assert.NotNull(error);
        Assert.Equal(path, error.Path);
        Assert.Contains("damaged text header", error.Message);
        Assert.Contains("#read_id", error.Message);
        Assert.InRange(error.Offset!.Value, 68, 68 + 1542);
    }

    [Fact]
    public void Corrupt_compressed_record_is_skipped_with_its_index_and_offset_and_later_reads_still_come()
    {
        var bytes = File.ReadAllBytes(Blow5ReaderTests.Blow5Path(SevenReads));
        var spans = RecordSpans(bytes);
        bytes[spans[3].Start + 8] ^= 0xFF; // the zstd frame magic of record 3

        var (reads, error) = Run(bytes);
        var expected = ExpectedDecode.Load(SevenReads);
        Assert.Equal(6, reads.Count);
        Assert.All(reads, r => Assert.Contains(ExpectedDecode.Line(r), expected));
        Assert.DoesNotContain(reads, r => r.ReadId == "2c08e057-9775-4678-a78d-97775acc3cad"); // record 3
        Assert.NotNull(error);
        Assert.Equal("damaged.blow5", error.Path);
        Assert.Equal(spans[3].Start, error.Offset);
        Assert.Contains("record 3 is damaged", error.Message);
        Assert.Null(error.ReadId); // not readable before decompression
    }

    [Fact]
    public void Record_whose_lengths_do_not_add_up_is_reported_with_its_read_id()
    {
        var stream = new MemoryStream();
        using var writer = new Blow5Writer(stream);
        writer.WriteHeader();
        var random = new Random(1);
        var signal = Blow5Writer.SyntheticSignal(random, 1000);
        writer.WriteRead("00000000-0000-0000-0000-000000000001", signal);
        var svbLength = (ulong)Blow5Writer.EncodeSvbZd(signal).Length;
        writer.WriteStoredRecord(writer.EncodeRecord("00000000-0000-0000-0000-000000000002", signal, declaredSignalBytes: svbLength + 3));
        writer.WriteRead("00000000-0000-0000-0000-000000000003", signal);
        writer.WriteEnd();

        var (reads, error) = Run(stream.ToArray());
        Assert.Equal(["00000000-0000-0000-0000-000000000001", "00000000-0000-0000-0000-000000000003"], reads.Select(r => r.ReadId));
        Assert.All(reads, r => Assert.Equal(signal, r.Signal));
        Assert.NotNull(error);
        Assert.Equal("00000000-0000-0000-0000-000000000002", error.ReadId);
        Assert.Contains("record 1 is damaged", error.Message);
    }

    [Fact]
    public void Blow5_still_being_written_delivers_the_records_already_complete()
    {
        var bytes = File.ReadAllBytes(Blow5ReaderTests.Blow5Path(SevenReads));
        var spans = RecordSpans(bytes);
        var cut = bytes[..(int)(spans[5].Start + 100)]; // the writer is inside record 5

        var (reads, error) = Run(cut);
        Assert.Equal(5, reads.Count);
        Assert.NotNull(error);
        Assert.Equal(spans[5].Start, error.Offset);
        Assert.Contains("record 5: size", error.Message);
        Assert.Contains("truncated or still being written", error.Message);
    }

    [Fact]
    public void Size_field_past_the_end_stops_framing_and_keeps_earlier_reads()
    {
        var bytes = File.ReadAllBytes(Blow5ReaderTests.Blow5Path(SevenReads));
        var spans = RecordSpans(bytes);
        bytes[spans[2].Start + 6] = 0x40; // size field of record 2 now says petabytes

        var (reads, error) = Run(bytes);
        Assert.Equal(2, reads.Count);
        Assert.NotNull(error);
        Assert.Equal(spans[2].Start, error.Offset);
        Assert.Contains("cannot be framed", error.Message);
    }

    [Fact]
    public void Several_damaged_records_are_all_listed_in_one_error()
    {
        var bytes = File.ReadAllBytes(Blow5ReaderTests.Blow5Path(SevenReads));
        var spans = RecordSpans(bytes);
        bytes[spans[1].Start + 8] ^= 0xFF;
        bytes[spans[4].Start + 8] ^= 0xFF;

        var (reads, error) = Run(bytes);
        Assert.Equal(5, reads.Count);
        Assert.NotNull(error);
        Assert.Equal(spans[1].Start, error.Offset);
        Assert.Equal(spans[4].Start, Assert.Single(error.OtherDamage).Offset);
    }

    [Fact]
    public void Empty_and_foreign_files_are_refused_with_a_format_error()
    {
        var (reads, error) = Run([]);
        Assert.Empty(reads);
        Assert.NotNull(error);

        (reads, error) = Run("BLOW5\u0001 but then nothing useful at all, far too short for a header"u8.ToArray());
        Assert.Empty(reads);
        Assert.NotNull(error);
    }
}
