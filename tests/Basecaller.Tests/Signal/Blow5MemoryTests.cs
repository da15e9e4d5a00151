using System.Diagnostics;
using Xunit.Abstractions;
using Dipper.Basecaller.Signal;

namespace Dipper.Basecaller.Tests.Signal;

/// <summary>Runs alone, so other tests' allocations do not blur the heap measurement.</summary>
[Collection(nameof(MemoryMeasurement))]
public sealed class Blow5MemoryTests(ITestOutputHelper output)
{
    private const int SamplesPerRead = 1_000_000;
    private const long TargetFileBytes = 210L << 20;

    [Fact]
    public async Task Streaming_a_large_blow5_holds_about_one_record_not_the_file()
    {
        var folder = Directory.CreateTempSubdirectory("dipper-blow5-memory-");
        try
        {
            var path = Path.Combine(folder.FullName, "large.blow5");
            var (reads, largestRecord) = WriteLargeFile(path);
            var fileLength = new FileInfo(path).Length;
            Assert.True(fileLength >= 200L << 20, $"generated only {fileLength} bytes");

            var baseline = GC.GetTotalMemory(forceFullCollection: true);
            var workingSetBefore = Process.GetCurrentProcess().WorkingSet64;
            long peakLive = 0, peakWorkingSet = 0, samples = 0;
            var count = 0;
            var clock = Stopwatch.StartNew();
            await using (var reader = SignalFile.Open(path))
            {
                await foreach (var read in reader.ReadAllAsync())
                {
                    samples += read.SampleCount;
                    if (++count % 10 != 0) continue;
                    // The read being yielded is still referenced here, as a caller would hold it.
                    peakLive = Math.Max(peakLive, GC.GetTotalMemory(forceFullCollection: true) - baseline);
                    peakWorkingSet = Math.Max(peakWorkingSet, Process.GetCurrentProcess().WorkingSet64 - workingSetBefore);
                }
            }
            clock.Stop();

            output.WriteLine($"{fileLength >> 20} MB, {reads} reads, {samples / 1e6:F0} M samples in {clock.Elapsed.TotalSeconds:F1} s " +
                $"({samples / clock.Elapsed.TotalSeconds / 1e6:F0} M samples/s with forced collections); live heap +{peakLive >> 20} MB, " +
                $"working set +{peakWorkingSet >> 20} MB, largest record {largestRecord >> 20} MB");
            Assert.Equal(reads, count);
            Assert.Equal((long)reads * SamplesPerRead, samples);
            // One record stored + decompressed (pooled buffers round up to powers of two) + one read's
            // signal: a few records' worth, against a file of hundreds of records.
            var bound = 10L * largestRecord;
            Assert.True(peakLive < bound,
                $"live heap grew by {peakLive >> 20} MB while streaming a {fileLength >> 20} MB file (bound {bound >> 20} MB)");
            Assert.True(peakWorkingSet < fileLength / 2,
                $"working set grew by {peakWorkingSet >> 20} MB for a {fileLength >> 20} MB file");
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>
    /// Writes a valid zstd + svb-zd BLOW5 of over 200 MB: a few distinct records (noisy enough that
    /// each sample takes about two bytes) written again and again, which keeps generation fast.
    /// </summary>
    private static (int Reads, long LargestRecord) WriteLargeFile(string path)
    {
        var random = new Random(7);
        using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
        using var writer = new Blow5Writer(file, readGroups: 2);
        writer.WriteHeader();
        var distinct = Enumerable.Range(0, 4).Select(i =>
        {
            var signal = new short[SamplesPerRead];
            for (var s = 0; s < signal.Length; s++) signal[s] = (short)(500 + random.Next(-300, 301));
            return writer.EncodeRecord($"00000000-0000-0000-0000-{i:000000000000}", signal, readGroup: (uint)(i % 2), channel: i + 1);
        }).ToArray();
        var reads = 0;
        while (file.Length < TargetFileBytes) writer.WriteStoredRecord(distinct[reads++ % distinct.Length]);
        writer.WriteEnd();
        return (reads, distinct.Max(r => (long)r.Length));
    }
}
