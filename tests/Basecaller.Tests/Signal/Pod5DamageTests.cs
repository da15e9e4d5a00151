using System.Buffers.Binary;
using Apache.Arrow;
using Apache.Arrow.Arrays;
using Apache.Arrow.Ipc;
using Dipper.Basecaller.Signal;

namespace Dipper.Basecaller.Tests.Signal;

public sealed class Pod5DamageTests
{
    /// <summary>24 reads in 6 Reads batches; Signal batches of 5 rows of at most 4,000 samples, so reads span rows and batches.</summary>
    private static readonly Pod5WriterOptions Layout = new()
    {
        Reads = 24, ReadsPerBatch = 4, SignalRowsPerBatch = 5, MaxSamplesPerRow = 4_000, MinSamples = 2_000, MaxSamples = 9_000, Seed = 7,
    };

    private static (byte[] File, IReadOnlyList<string> Expected) Generate()
    {
        using var file = new MemoryStream();
        var expected = Pod5Writer.Write(file, Layout);
        return (file.ToArray(), expected);
    }

    private static Pod5EmbeddedTable Table(byte[] file, Pod5Content content) =>
        Pod5Container.Locate(new MemoryStream(file), "x", []).Tables.Single(t => t.Content == content);

    /// <summary>Reads everything the reader delivers, and the exception that ended it (null if none).</summary>
    internal static async Task<(List<Read> Reads, SignalFormatException? Error)> ReadAsync(byte[] file, string name = "damaged.pod5")
    {
        var reads = new List<Read>();
        await using var reader = new Pod5Reader(new MemoryStream(file), name);
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

    /// <summary>
    /// Start of each Arrow IPC message in a table: the 0xFFFFFFFF continuation word followed by a small
    /// metadata length (a multiple of 8). Message 0 is the schema; Reads tables then have one dictionary.
    /// </summary>
    private static List<int> MessageStarts(byte[] file, Pod5EmbeddedTable table)
    {
        var starts = new List<int>();
        for (var at = (int)table.Offset + 8; at < table.Offset + table.Length - 8; at++)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(at)) != 0xFFFFFFFF) continue;
            var metadata = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(at + 4));
            if (metadata > 0 && metadata < 4096 && metadata % 8 == 0) starts.Add(at);
        }
        return starts;
    }

    private static void Scramble(byte[] file, int messageStart)
    {
        var metadata = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(messageStart + 4));
        file.AsSpan(messageStart + 8, metadata).Fill(0xFF);
    }

    [Fact]
    public async Task Truncated_pod5_reports_offset_and_keeps_complete_reads()
    {
        var (file, expected) = Generate();

        var (reads, error) = await ReadAsync(file[..^20]);

        Assert.Equal(expected, reads.Select(ExpectedDecode.Line));
        Assert.NotNull(error);
        Assert.Equal("damaged.pod5", error.Path);
        Assert.NotNull(error.Offset);
        Assert.Contains("truncated", error.Message);
    }

    [Fact]
    public async Task File_cut_inside_the_reads_table_delivers_the_reads_of_its_whole_batches()
    {
        var (file, expected) = Generate();
        var reads = Table(file, Pod5Content.Reads);

        var (delivered, error) = await ReadAsync(file[..(int)(reads.Offset + reads.Length / 2)]);

        Assert.NotNull(error);
        Assert.InRange(delivered.Count, 4, expected.Count - 4);
        Assert.Equal(expected.Take(delivered.Count), delivered.Select(ExpectedDecode.Line));
    }

    [Fact]
    public async Task File_still_being_written_without_reads_table_fails_cleanly_with_offset()
    {
        // MinKNOW writes the Signal table first and the Reads table only when it closes the file.
        var (file, _) = Generate();
        var signal = Table(file, Pod5Content.Signal);

        var run = ReadAsync(file[..(int)(signal.Offset + signal.Length * 2 / 3)]);
        var (reads, error) = await run.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Empty(reads);
        Assert.NotNull(error);
        Assert.NotNull(error.Offset);
        Assert.Contains(new[] { error }.Concat(error.OtherDamage), e => e.Problem.Contains("no readable Reads table"));
    }

    [Fact]
    public async Task Corrupt_vbz_block_skips_only_that_read_and_names_it()
    {
        var (file, expected) = Generate();
        var signal = Table(file, Pod5Content.Signal);
        using var arrow = new ArrowFileReader(new MemoryStream(file, (int)signal.Offset, (int)signal.Length));
        using var batch = await arrow.ReadRecordBatchAsync(1);
        var payload = ((LargeBinaryArray)batch.Column("signal")).GetBytes(2).ToArray();
        var victim = new Guid(((FixedSizeBinaryArray)batch.Column("read_id")).GetBytes(2), bigEndian: true).ToString("D");
        var at = file.AsSpan().IndexOf(payload);
        file.AsSpan(at, 4).Fill(0); // the zstd frame's magic number

        var (reads, error) = await ReadAsync(file);

        Assert.NotNull(error);
        Assert.Equal(victim, error.ReadId);
        Assert.Empty(error.OtherDamage);
        Assert.Equal(expected.Where(l => !l.StartsWith(victim)), reads.Select(ExpectedDecode.Line));
    }

    [Fact]
    public async Task Bad_signature_is_rejected_at_offset_zero()
    {
        var (file, _) = Generate();
        file[1] ^= 0x20;

        var (reads, error) = await ReadAsync(file);

        Assert.Empty(reads);
        Assert.NotNull(error);
        Assert.Equal(0, error.Offset);
    }

    [Fact]
    public async Task Unreadable_reads_batch_is_skipped_and_later_batches_still_read()
    {
        var (file, expected) = Generate();
        var messages = MessageStarts(file, Table(file, Pod5Content.Reads));
        Scramble(file, messages[2 + 1]); // after schema and dictionary: Reads batch 1

        var (reads, error) = await ReadAsync(file);

        Assert.NotNull(error);
        Assert.Contains("Reads record batch 1", error.Problem);
        Assert.Equal(expected.Take(4).Concat(expected.Skip(8)), reads.Select(ExpectedDecode.Line));
    }

    [Fact]
    public async Task Unreadable_signal_batch_skips_the_reads_with_rows_in_it_by_id()
    {
        var (file, expected) = Generate();
        var messages = MessageStarts(file, Table(file, Pod5Content.Signal));
        Scramble(file, messages[1 + 2]); // after the schema: Signal batch 2

        var (reads, error) = await ReadAsync(file);

        Assert.NotNull(error);
        var damage = new[] { error }.Concat(error.OtherDamage).ToList();
        Assert.Contains(damage, e => e.Problem.Contains("Signal record batch 2 unreadable"));
        var skipped = damage.Where(e => e.ReadId is not null).Select(e => e.ReadId!).ToHashSet();
        Assert.NotEmpty(skipped);
        Assert.Equal(expected.Where(l => !skipped.Contains(l[..36])), reads.Select(ExpectedDecode.Line));
        Assert.True(reads.Count >= expected.Count - 6, $"only {reads.Count} of {expected.Count} reads survived one bad batch of 5 rows");
    }

    [Fact]
    public async Task Damaged_arrow_footer_of_a_table_is_read_in_order_and_reported()
    {
        var (file, expected) = Generate();
        var reads = Table(file, Pod5Content.Reads);
        // The Arrow footer's length sits just before the table's closing "ARROW1".
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan((int)(reads.Offset + reads.Length - 10)), 0x7FFFFFF0);

        var (delivered, error) = await ReadAsync(file);

        Assert.Equal(expected, delivered.Select(ExpectedDecode.Line));
        Assert.NotNull(error);
        Assert.Contains("in order", error.Problem);
    }

    [Fact]
    public async Task Read_whose_rows_disagree_with_its_declared_sample_count_is_skipped()
    {
        var (file, expected) = Generate();
        var reads = Table(file, Pod5Content.Reads);
        using var arrow = new ArrowFileReader(new MemoryStream(file, (int)reads.Offset, (int)reads.Length));
        using var batch = await arrow.ReadRecordBatchAsync(0);
        var declared = ((UInt64Array)batch.Column("num_samples")).GetValue(0)!.Value;
        var victim = expected[0][..36];
        // num_samples is the only uint64 column holding this value: find it in the table and add one.
        var bytes = BitConverter.GetBytes(declared);
        var at = file.AsSpan((int)reads.Offset, (int)reads.Length).IndexOf(bytes) + (int)reads.Offset;
        BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(at), declared + 1);

        var (delivered, error) = await ReadAsync(file);

        Assert.NotNull(error);
        Assert.Equal(victim, error.ReadId);
        Assert.Contains("declares", error.Problem);
        Assert.Equal(expected.Skip(1), delivered.Select(ExpectedDecode.Line));
    }

    [Fact]
    public async Task Damage_to_every_signal_batch_is_listed_up_to_a_hundred_entries_then_counted()
    {
        using var generated = new MemoryStream();
        Pod5Writer.Write(generated, new Pod5WriterOptions { Reads = 150, ReadsPerBatch = 50, SignalRowsPerBatch = 10, MinSamples = 500, MaxSamples = 1_000 });
        var file = generated.ToArray();
        foreach (var message in MessageStarts(file, Table(file, Pod5Content.Signal)).Skip(1)) Scramble(file, message);

        var (reads, error) = await ReadAsync(file);

        Assert.Empty(reads);
        Assert.NotNull(error);
        Assert.True(error.OtherDamage.Count <= 100, $"{error.OtherDamage.Count} problems listed");
        Assert.Contains("further damaged reads", error.OtherDamage[^1].Problem);
    }

    [Fact]
    public async Task Footer_pointing_at_the_wrong_place_falls_back_to_the_section_markers()
    {
        var (file, expected) = Generate();
        var signal = Table(file, Pod5Content.Signal);
        var footer = file.Length - 400;
        var at = footer + file.AsSpan(footer).IndexOf(BitConverter.GetBytes(signal.Offset));
        BinaryPrimitives.WriteInt64LittleEndian(file.AsSpan(at), signal.Offset + 8);

        var (delivered, error) = await ReadAsync(file);

        Assert.Equal(expected, delivered.Select(ExpectedDecode.Line));
        Assert.NotNull(error);
        Assert.Contains(new[] { error }.Concat(error.OtherDamage), e => e.Problem.Contains("section markers"));
    }
}
