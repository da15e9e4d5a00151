using Apache.Arrow;
using Apache.Arrow.Arrays;
using Apache.Arrow.Ipc;
using Dipper.Basecaller.Signal;
using Xunit.Abstractions;

namespace Dipper.Basecaller.Tests.Signal;

/// <summary>
/// Thousands of damaged copies of good files: the reader must never hang, never throw anything but
/// <see cref="SignalFormatException"/>, always notice truncation, and never hand out a read that is
/// not the file's read.
/// </summary>
/// <remarks>
/// What POD5 cannot detect, and the test therefore allows: VBZ rows are zstd frames written without a
/// checksum, so a flipped byte inside a row's compressed bytes can decode to different samples of the
/// right count (the svb16 stream's exact length catches most such flips, not all). Metadata (calibration,
/// channel, read number, start, run info) has no checksum at all; the expected decodes do not cover it.
/// What it can guarantee, and the test asserts: the delivered read id is one of the file's (each Signal
/// row repeats its read's id, and the two must agree), and the sample count equals the declared one.
/// </remarks>
[Collection(nameof(MemoryMeasurement))] // counts process-wide allocations
public sealed class Pod5MutationTests(ITestOutputHelper output)
{
    /// <summary>What became of the copies with changed bytes (truncated copies must all be detected, and are asserted one by one).</summary>
    private sealed record Outcomes(int Clean, int Detected, int SilentSampleChange);

    [Fact]
    public async Task Two_thousand_damaged_copies_of_a_MinKNOW_file_fail_only_with_SignalFormatException()
    {
        var path = Pod5ReaderTests.SamplePath("r10_4khz_four_reads");
        var outcomes = await MutateAsync(await File.ReadAllBytesAsync(path), ExpectedDecode.Load("r10_4khz_four_reads"), 2_000, seed: 20_240_611);

        // Most of the file is compressed signal, so most changed bytes alter samples unnoticed (see remarks);
        // those landing in headers, tables and row framing must be caught.
        Assert.True(outcomes.Clean >= 10 && outcomes.Detected >= 50, $"implausible mix: {outcomes}");
    }

    [Fact]
    public async Task Damaged_copies_of_a_multi_batch_file_fail_only_with_SignalFormatException()
    {
        using var generated = new MemoryStream();
        var expected = Pod5Writer.Write(generated, new Pod5WriterOptions
        {
            Reads = 12, ReadsPerBatch = 3, SignalRowsPerBatch = 4, MaxSamplesPerRow = 2_500, MinSamples = 1_000, MaxSamples = 6_000, Seed = 3,
        });
        var outcomes = await MutateAsync(generated.ToArray(), expected, 600, seed: 77);

        Assert.True(outcomes.Clean >= 5 && outcomes.Detected >= 20, $"implausible mix: {outcomes}");
    }

    private async Task<Outcomes> MutateAsync(byte[] original, IReadOnlyList<string> expectedLines, int copies, int seed)
    {
        var expected = expectedLines.ToDictionary(l => l[..36]);
        var rowBytes = await SignalRowRangesAsync(original);
        var random = new Random(seed);
        int clean = 0, detected = 0, silent = 0;
        for (var copy = 0; copy < copies; copy++)
        {
            var truncated = copy % 2 == 0;
            byte[] damaged;
            var changed = new List<int>();
            string what;
            if (truncated)
            {
                damaged = original[..random.Next(original.Length)];
                what = $"copy {copy} truncated to {damaged.Length} bytes";
            }
            else
            {
                damaged = (byte[])original.Clone();
                for (var flips = random.Next(1, 5); flips > 0; flips--)
                {
                    var at = random.Next(damaged.Length);
                    damaged[at] = random.Next(2) == 0 ? (byte)(damaged[at] ^ random.Next(1, 256)) : (byte)random.Next(256);
                    changed.Add(at);
                }
                what = $"copy {copy} with bytes changed at {string.Join(',', changed)}";
            }

            List<Read> reads;
            SignalFormatException? error;
            var allocatedBefore = GC.GetTotalAllocatedBytes();
            try
            {
                (reads, error) = await Task.Run(() => Pod5DamageTests.ReadAsync(damaged)).WaitAsync(TimeSpan.FromSeconds(20));
            }
            catch (TimeoutException)
            {
                Assert.Fail($"{what}: reader hung");
                throw;
            }
            catch (Exception e)
            {
                Assert.Fail($"{what}: {e.GetType().Name} escaped: {e}");
                throw;
            }

            // A damaged length must be refused, not allocated: reading this file whole allocates a few megabytes.
            var allocated = GC.GetTotalAllocatedBytes() - allocatedBefore;
            Assert.True(allocated < 1L << 30, $"{what}: reading allocated {allocated >> 20} MB");
            if (truncated) Assert.True(error is not null, $"{what}: truncation went unnoticed");
            var sampleChange = false;
            foreach (var read in reads)
            {
                Assert.True(expected.TryGetValue(read.ReadId, out var line), $"{what}: delivered read {read.ReadId} is not in the file");
                var expectedCount = int.Parse(line.Split('\t')[1]);
                Assert.True(expectedCount == read.SampleCount, $"{what}: read {read.ReadId} has {read.SampleCount} samples, {expectedCount} declared");
                if (ExpectedDecode.Line(read) == line) continue;
                Assert.False(truncated, $"{what}: read {read.ReadId} decoded differently from a truncated copy");
                Assert.True(changed.Any(at => rowBytes[read.ReadId].Any(r => at >= r.Start && at < r.End)),
                    $"{what}: read {read.ReadId} changed although no byte of its compressed signal did");
                sampleChange = true;
            }
            if (truncated) continue;
            if (sampleChange) silent++;
            else if (error is null) clean++;
            else detected++;
        }
        var outcomes = new Outcomes(clean, detected, silent);
        output.WriteLine($"{copies / 2} truncated copies, all reported; {copies - copies / 2} with changed bytes: {outcomes}");
        return outcomes;
    }

    /// <summary>Where each read's compressed signal rows lie in the file: the only bytes whose damage may go unnoticed.</summary>
    private static async Task<Dictionary<string, List<(int Start, int End)>>> SignalRowRangesAsync(byte[] file)
    {
        var signal = Pod5Container.Locate(new MemoryStream(file), "x", []).Tables.Single(t => t.Content == Pod5Content.Signal);
        using var arrow = new ArrowFileReader(new MemoryStream(file, (int)signal.Offset, (int)signal.Length));
        var ranges = new Dictionary<string, List<(int, int)>>();
        for (var index = 0; index < await arrow.RecordBatchCountAsync(); index++)
        {
            using var batch = await arrow.ReadRecordBatchAsync(index);
            var ids = (FixedSizeBinaryArray)batch.Column("read_id");
            var rows = (LargeBinaryArray)batch.Column("signal");
            for (var row = 0; row < batch.Length; row++)
            {
                var id = new Guid(ids.GetBytes(row), bigEndian: true).ToString("D");
                var start = file.AsSpan().IndexOf(rows.GetBytes(row));
                if (!ranges.TryGetValue(id, out var list)) ranges[id] = list = [];
                list.Add((start, start + rows.GetValueLength(row)));
            }
        }
        return ranges;
    }
}
