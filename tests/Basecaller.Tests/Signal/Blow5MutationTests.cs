using System.Buffers.Binary;
using System.IO.Compression;
using Dipper.Basecaller.Signal;
using Xunit.Abstractions;

namespace Dipper.Basecaller.Tests.Signal;

/// <summary>
/// Thousands of damaged copies of real BLOW5 files: the reader must never hang, never throw anything
/// but <see cref="SignalFormatException"/>, never deliver a read from beyond a cut, and deliver a
/// changed read only where the format itself cannot notice the change.
/// </summary>
public sealed class Blow5MutationTests(ITestOutputHelper output)
{
    private static readonly TimeSpan HangLimit = TimeSpan.FromSeconds(20);

    /// <summary>What one mutated copy gave: the reads delivered, the error (if any) that ended it.</summary>
    internal sealed record Outcome(List<Read> Reads, SignalFormatException? Error);

    /// <summary>Enumerates a mutated copy with a time limit; any exception but <see cref="SignalFormatException"/> fails the test.</summary>
    internal static async Task<Outcome> EnumerateAsync(ISignalReader reader, string what)
    {
        var task = Task.Run(async () =>
        {
            var (reads, error) = await Blow5DamageTests.ReadUntilErrorAsync(reader);
            return new Outcome(reads, error);
        });
        try
        {
            // Any exception type but SignalFormatException surfaces here and fails the test.
            return await task.WaitAsync(HangLimit);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"{what}: reader hung");
            throw;
        }
    }

    /// <summary>Overwrites or flips 1 to 4 random bytes; returns the offsets touched.</summary>
    internal static long[] Flip(byte[] bytes, Random random)
    {
        var offsets = new long[random.Next(1, 5)];
        for (var i = 0; i < offsets.Length; i++)
        {
            var at = random.Next(bytes.Length);
            offsets[i] = at;
            bytes[at] = random.Next(2) == 0 ? (byte)(bytes[at] ^ (1 << random.Next(8))) : (byte)random.Next(256);
        }
        return offsets;
    }

    /// <summary>
    /// The ex-zd sample with its records stored uncompressed, so flips hit the ex-zd signal itself
    /// instead of being caught by zlib's checksum.
    /// </summary>
    private const string StoredExZd = "one_read_zlib_ex-zd (records stored)";

    [Theory]
    [InlineData("seven_reads_five_groups_zstd_svb-zd", 1400, 11)]
    [InlineData("one_read_zstd_svb-zd", 800, 12)]
    [InlineData(StoredExZd, 300, 13)]
    public async Task Mutated_blow5_never_hangs_never_misreports_and_keeps_what_it_can(string name, int mutants, int seed)
    {
        var original = name == StoredExZd ? StoreRecordsUncompressed(Blow5ReaderTests.Blow5Path("one_read_zlib_ex-zd"))
            : File.ReadAllBytes(Blow5ReaderTests.Blow5Path(name));
        var records = Blow5DamageTests.RecordSpans(original);
        var inFileOrder = (await Blow5ReaderTests.ReadAllAsync(new Blow5Reader(new MemoryStream(original), name)))
            .Select(ExpectedDecode.Line).ToList();
        Assert.Equal(ExpectedDecode.Load(name == StoredExZd ? "one_read_zlib_ex-zd" : name), inFileOrder.Order(StringComparer.Ordinal));
        var random = new Random(seed);
        int clean = 0, reported = 0, undetectable = 0;

        for (var m = 0; m < mutants; m++)
        {
            if (m % 2 == 0)
            {
                // A cut: always an error, and exactly the records wholly before the cut come out, unchanged.
                var cut = random.Next(original.Length);
                var outcome = await EnumerateAsync(new Blow5Reader(new MemoryStream(original[..cut]), name), $"cut at {cut}");
                Assert.NotNull(outcome.Error);
                var whole = records.Count(r => r.End <= cut);
                Assert.Equal(inFileOrder.Take(whole), outcome.Reads.Select(ExpectedDecode.Line));
                reported++;
                continue;
            }

            var mutant = (byte[])original.Clone();
            var flipped = Flip(mutant, random);
            var result = await EnumerateAsync(new Blow5Reader(new MemoryStream(mutant), name), $"flips at {string.Join(',', flipped)}");
            // What BLOW5 cannot notice: its records carry no checksum (and slow5tools writes zstd frames
            // without one), so a changed literal inside a compressed record, a changed sample in stored
            // signal, or a changed calibration double decodes to a different but well-formed read. Such
            // a read can only come from a record that holds a changed byte.
            var touchedRecords = records.Count(r => flipped.Any(f => f >= r.Start && f < r.End));
            var changed = result.Reads.Count(r => !inFileOrder.Contains(ExpectedDecode.Line(r)));
            Assert.True(changed <= touchedRecords, $"flips at {string.Join(',', flipped)} changed {changed} reads in {touchedRecords} records");
            if (result.Error is null)
            {
                // Finishing without an error claims the file was whole: every record must have come out.
                Assert.Equal(records.Count, result.Reads.Count);
                if (changed == 0) clean++; else undetectable++;
            }
            else
            {
                Assert.False(string.IsNullOrEmpty(result.Error.Path));
                Assert.NotNull(result.Error.Offset);
                reported++;
            }
        }

        output.WriteLine($"{mutants} mutants: {clean} clean, {reported} reported, {undetectable} changed undetectably");
        // Truncations are always reported. Most flips land in compressed signal: a changed svb key or
        // zstd sequence is caught, a changed svb data byte is not (no checksum). Flips in padding,
        // attribute values or stored doubles leave the decode as it was.
        Assert.True(clean > 0 || name == StoredExZd, $"clean {clean}");
        Assert.True(reported > mutants / 2, $"reported {reported}");
        Assert.True(undetectable < mutants / 2, $"undetectable {undetectable}");
    }

    /// <summary>Rewrites a zlib-record BLOW5 with the same records stored uncompressed (record compression 0).</summary>
    private static byte[] StoreRecordsUncompressed(string path)
    {
        var file = File.ReadAllBytes(path);
        var output = new MemoryStream();
        var headerEnd = 68 + (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(64));
        output.Write(file, 0, headerEnd);
        output.GetBuffer()[9] = 0;
        Span<byte> size = stackalloc byte[8];
        foreach (var (start, end) in Blow5DamageTests.RecordSpans(file).Where(r => r.End <= file.Length - 5))
        {
            using var inflater = new ZLibStream(new MemoryStream(file, (int)start + 8, (int)(end - start - 8)), CompressionMode.Decompress);
            var record = new MemoryStream();
            inflater.CopyTo(record);
            BinaryPrimitives.WriteUInt64LittleEndian(size, (ulong)record.Length);
            output.Write(size);
            output.Write(record.ToArray());
        }
        output.Write("5WOLB"u8);
        return output.ToArray();
    }
}
