using System.Buffers.Binary;
using Dipper.Basecaller.Signal;
using Xunit.Abstractions;

namespace Dipper.Basecaller.Tests.Signal;

public class Fast5MutationTests(ITestOutputHelper output)
{
    private const int Mutants = 2000;
    private static readonly TimeSpan HangLimit = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Where the read's four deflate chunks lie in the small R9.4 file, from h5py's
    /// <c>Signal.id.get_chunk_info(i)</c>: they run contiguously from byte 6,592 to 91,846.
    /// </summary>
    private const int SignalChunksStart = 6592, SignalChunksEnd = 84925 + 6921;

    [Fact]
    public async Task Mutated_fast5_copies_end_in_format_errors_or_exact_reads_and_never_hang()
    {
        var good = File.ReadAllBytes(Fast5ReaderTests.SmallR94File);
        var expected = Fast5ReaderTests.R94Expected.Single(l => l.StartsWith("bdfab7a9", StringComparison.Ordinal));
        var expectedCount = int.Parse(expected.Split('\t')[1]);
        var random = new Random(20261127);
        int truncatedWithReads = 0, flipsExact = 0, flipsChanged = 0, flipsRejected = 0, flipsInSignalRejected = 0;

        for (var m = 0; m < Mutants; m++)
        {
            var truncate = m % 2 == 0;
            byte[] content;
            var flipped = new List<int>();
            if (truncate)
            {
                content = good[..random.Next(good.Length)];
            }
            else
            {
                content = (byte[])good.Clone();
                for (var k = random.Next(1, 5); k > 0; k--)
                {
                    var at = random.Next(good.Length);
                    content[at] = (byte)random.Next(256);
                    flipped.Add(at);
                }
            }
            var what = truncate ? $"mutant {m}: cut at {content.Length}" : $"mutant {m}: bytes {string.Join(",", flipped)} overwritten";

            List<Read> reads;
            Exception? error;
            try
            {
                (reads, error) = await Task.Run(() => Fast5ReaderTests.ReadAll(content)).WaitAsync(HangLimit);
            }
            catch (TimeoutException)
            {
                Assert.Fail($"{what}: reading hung");
                throw;
            }
            if (error is not null and not SignalFormatException)
                Assert.Fail($"{what}: {error.GetType()} escaped: {error}");

            if (truncate)
            {
                Assert.True(error is SignalFormatException, $"{what}: a truncated copy ended without a format error");
                Assert.All(reads, r => Assert.Equal(expected, ExpectedDecode.Line(r)));
                truncatedWithReads += reads.Count;
                continue;
            }

            // HDF5 1.8 metadata (superblock v0, v1 object headers and B-trees) has no checksums, so a
            // changed attribute value, say, cannot be noticed; what the reader guarantees is that a read
            // it delivers has the length both its dataspace and its duration attribute declare, and that
            // deflate-compressed samples (zlib, with its Adler-32 check) are never delivered altered.
            var inSignal = flipped.All(at => at is >= SignalChunksStart and < SignalChunksEnd);
            foreach (var read in reads)
            {
                Assert.True(read.SampleCount == expectedCount, $"{what}: delivered {read.SampleCount} samples, not {expectedCount}");
                if (inSignal) Assert.True(expected == ExpectedDecode.Line(read), $"{what}: altered deflate data delivered as a read");
            }
            if (error is not null)
            {
                flipsRejected++;
                if (inSignal) flipsInSignalRejected++;
            }
            else if (reads.Count == 1 && ExpectedDecode.Line(reads[0]) == expected) flipsExact++;
            else flipsChanged++;
        }

        output.WriteLine($"truncated copies: {Mutants / 2}, all ended in SignalFormatException; reads delivered from them: {truncatedWithReads}");
        output.WriteLine($"overwritten copies: {flipsExact} read exactly, {flipsRejected} rejected ({flipsInSignalRejected} inside the signal chunks), {flipsChanged} delivered with undetectable metadata changes");
        // About 83% of the file is deflate data, so most overwrites must be caught; some land in
        // padding or unused fields and must read exactly.
        Assert.InRange(flipsRejected, Mutants / 4, Mutants / 2);
        Assert.InRange(flipsExact, 10, Mutants / 4);
        Assert.InRange(flipsChanged, 0, Mutants / 20);
    }

    /// <summary>
    /// Our own VBZ decoder gets its own round: the ten-read VBZ v1 sample, cut short, overwritten
    /// inside one read's compressed chunk, or overwritten anywhere.
    /// </summary>
    [Fact]
    public async Task Mutated_vbz_fast5_copies_confine_damage_to_the_read_hit_and_never_hang()
    {
        var good = File.ReadAllBytes(Fast5ReaderTests.FormatsFile("ten_reads_vbz_v1"));
        var expected = ExpectedDecode.Load("ten_reads_vbz_v1");
        var expectedById = expected.ToDictionary(l => l.Split('\t')[0]);
        // VBZ chunks are a 4-byte size then a zstd frame; the chunks lie in read-id order in this file,
        // and the smallest is 8,443 bytes long.
        var frames = new List<int>();
        for (var i = 0; i + 4 <= good.Length; i++)
            if (BinaryPrimitives.ReadUInt32LittleEndian(good.AsSpan(i)) == 0xFD2FB528) frames.Add(i);
        Assert.Equal(10, frames.Count);
        var random = new Random(32020);
        int exact = 0, rejected = 0, silentlyChanged = 0;

        for (var m = 0; m < 200; m++)
        {
            var kind = m % 4; // 0: cut, 1 and 2: inside one chunk, 3: anywhere
            var content = kind == 0 ? good[..random.Next(good.Length)] : (byte[])good.Clone();
            var hitRead = -1;
            if (kind is 1 or 2)
            {
                hitRead = random.Next(frames.Count);
                for (var k = random.Next(1, 5); k > 0; k--) content[frames[hitRead] + random.Next(8000)] = (byte)random.Next(256);
            }
            else if (kind == 3)
            {
                for (var k = random.Next(1, 5); k > 0; k--) content[random.Next(good.Length)] = (byte)random.Next(256);
            }
            var what = $"vbz mutant {m} (kind {kind})";

            List<Read> reads;
            Exception? error;
            try
            {
                (reads, error) = await Task.Run(() => Fast5ReaderTests.ReadAll(content)).WaitAsync(HangLimit);
            }
            catch (TimeoutException)
            {
                Assert.Fail($"{what}: reading hung");
                throw;
            }
            if (error is not null and not SignalFormatException)
                Assert.Fail($"{what}: {error.GetType()} escaped: {error}");

            var lines = reads.Select(ExpectedDecode.Line).ToList();
            if (kind == 0)
            {
                Assert.True(error is SignalFormatException, $"{what}: a truncated copy ended without a format error");
                Assert.All(lines, l => Assert.Contains(l, expected));
            }
            else if (kind is 1 or 2)
            {
                // Every read but the one hit is delivered exactly. The one hit is rejected, or, because
                // VBZ's zstd frames carry no checksum and stream-vbyte data bytes no redundancy, it may
                // arrive with altered sample values, but never with another length or id.
                var hitId = expected[hitRead].Split('\t')[0];
                Assert.Equal(expected.Where((_, i) => i != hitRead), lines.Where(l => !l.StartsWith(hitId, StringComparison.Ordinal)));
                var hit = reads.SingleOrDefault(r => r.ReadId == hitId);
                if (hit is null)
                {
                    var problem = Assert.IsType<SignalFormatException>(error);
                    Assert.Equal(hitId, problem.ReadId);
                    rejected++;
                }
                else
                {
                    Assert.Null(error);
                    Assert.Equal(expectedById[hitId].Split('\t')[1], hit.SampleCount.ToString());
                    if (ExpectedDecode.Line(hit) == expectedById[hitId]) exact++; else silentlyChanged++;
                }
            }
        }

        output.WriteLine($"overwrites inside one VBZ chunk: {rejected} rejected, {exact} read exactly, {silentlyChanged} delivered with altered samples (no checksum in VBZ)");
        // About half the overwrites break the zstd frame or the stream-vbyte layout; the rest cannot be noticed.
        Assert.InRange(rejected, 25, 100);
        Assert.InRange(exact + silentlyChanged, 10, 75);
    }
}
