using System.Diagnostics;
using Dipper.Basecaller.Signal;
using Xunit.Abstractions;

namespace Dipper.Basecaller.Tests.Signal;

/// <summary>Measures process-wide memory, so it must not share the process with tests running alongside it.</summary>
[Collection(nameof(MemoryMeasurement))]
public sealed class Pod5MemoryTests(ITestOutputHelper output)
{
    private const long MB = 1 << 20;

    [Fact]
    public async Task Streaming_a_200_MB_file_holds_about_one_record_batch_not_the_file()
    {
        // MinKNOW's shape: rows of up to 102,400 samples, 100 Signal rows and 1,000 reads per batch.
        // Reads reuse 16 generated signals (each with its own id) so the file is written in seconds.
        var options = new Pod5WriterOptions
        {
            Reads = 2_300, ReadsPerBatch = 1_000, SignalRowsPerBatch = 100, MinSamples = 80_000, MaxSamples = 160_000, DistinctSignals = 16, Seed = 11,
        };
        var path = Path.Combine(Path.GetTempPath(), $"dipper-pod5-memory-{Guid.NewGuid():N}.pod5");
        try
        {
            long fileSize;
            await using (var file = File.Create(path))
            {
                Pod5Writer.Write(file, options);
                fileSize = file.Length;
            }
            Assert.True(fileSize >= 200 * MB, $"generated only {fileSize / MB} MB");

            using var process = Process.GetCurrentProcess();
            var managedBefore = GC.GetTotalMemory(forceFullCollection: true);
            process.Refresh();
            var workingSetBefore = process.WorkingSet64;
            long managedPeak = 0, workingSetPeak = 0, reads = 0;

            var clock = Stopwatch.StartNew();
            long samples = 0;
            await using var reader = new Pod5Reader(path);
            await foreach (var read in reader.ReadAllAsync())
            {
                samples += read.SampleCount;
                if (++reads % 100 != 0) continue;
                managedPeak = Math.Max(managedPeak, GC.GetTotalMemory(forceFullCollection: true) - managedBefore);
                process.Refresh();
                workingSetPeak = Math.Max(workingSetPeak, process.WorkingSet64 - workingSetBefore);
            }

            output.WriteLine($"{fileSize / MB} MB, {reads} reads, {samples / 1e6:F0} M samples in {clock.Elapsed.TotalSeconds:F1} s " +
                $"(with a full GC every 100 reads); live managed peak +{managedPeak / (double)MB:F1} MB, working set peak +{workingSetPeak / (double)MB:F1} MB");
            Assert.Equal(options.Reads, reads);
            // One Signal batch is about 100 rows x 100 kB (native Arrow memory), the decode buffers and
            // the yielded read about 1 MB of managed memory; the file is 200 MB.
            Assert.True(managedPeak < 32 * MB, $"live managed memory grew by {managedPeak / MB} MB while streaming {fileSize / MB} MB");
            Assert.True(workingSetPeak < 100 * MB, $"working set grew by {workingSetPeak / MB} MB while streaming {fileSize / MB} MB");
        }
        finally
        {
            File.Delete(path);
        }
    }
}
