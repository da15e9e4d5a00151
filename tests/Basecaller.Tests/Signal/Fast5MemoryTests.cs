using System.Diagnostics;
using Dipper.Basecaller.Signal;
using PureHDF;
using Xunit.Abstractions;

namespace Dipper.Basecaller.Tests.Signal;

[Collection(nameof(MemoryMeasurement))]
public class Fast5MemoryTests(ITestOutputHelper output)
{
    private const int ReadCount = 500;
    private const int SamplesPerRead = 250_000; // 62 s at 4 kHz, 0.5 MB of int16

    [Fact]
    public async Task Streaming_a_250_MB_multi_read_fast5_holds_about_one_read_group_in_memory()
    {
        var folder = Directory.CreateTempSubdirectory("dipper-fast5-memory-");
        try
        {
            var path = Path.Combine(folder.FullName, "large.fast5");
            var writing = Stopwatch.StartNew();
            var ids = WriteMultiReadFast5(path);
            output.WriteLine($"written in {writing.Elapsed.TotalSeconds:F1} s");
            var fileLength = new FileInfo(path).Length;
            Assert.True(fileLength > 250_000_000, $"generated file has only {fileLength} bytes");

            var process = Process.GetCurrentProcess();
            GC.Collect();
            GC.WaitForPendingFinalizers();
            var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
            process.Refresh();
            var workingSetBefore = process.WorkingSet64;
            long heapGrowth = 0, workingSetGrowth = 0;
            var count = 0;
            var clock = Stopwatch.StartNew();

            await using (var reader = SignalFile.Open(path))
            {
                await foreach (var read in reader.ReadAllAsync())
                {
                    Assert.True(ids.Remove(read.ReadId, out var index), $"unexpected or repeated read {read.ReadId}");
                    Assert.Equal(SamplesPerRead, read.SampleCount);
                    Assert.Equal(index, read.Signal[0]); // each read's first sample is its index
                    if (++count % 50 == 0)
                    {
                        heapGrowth = Math.Max(heapGrowth, GC.GetTotalMemory(forceFullCollection: true) - heapBefore);
                        process.Refresh();
                        workingSetGrowth = Math.Max(workingSetGrowth, process.WorkingSet64 - workingSetBefore);
                    }
                }
            }

            output.WriteLine($"{fileLength >> 20} MB, {count} reads in {clock.Elapsed.TotalSeconds:F1} s; " +
                $"live heap grew at most {heapGrowth >> 10} KB, working set {workingSetGrowth >> 20} MB");
            Assert.Equal(ReadCount, count);
            Assert.Empty(ids);
            // One read group is 0.5 MB of signal (plus PureHDF's copy while decoding); the file is 250 MB.
            Assert.InRange(heapGrowth, long.MinValue, 8L << 20);
            Assert.InRange(workingSetGrowth, long.MinValue, 100L << 20);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>
    /// Writes a multi-read FAST5 of <see cref="ReadCount"/> uncompressed reads through PureHDF's
    /// streaming writer (one signal buffer reused, so writing needs little memory either).
    /// </summary>
    private static Dictionary<string, int> WriteMultiReadFast5(string path)
    {
        var random = new Random(7);
        var signal = new short[SamplesPerRead];
        for (var i = 0; i < signal.Length; i++) signal[i] = (short)random.Next(380, 520);
        var file = new H5File();
        var datasets = new List<H5Dataset<short[]>>();
        var ids = new Dictionary<string, int>();
        for (var r = 0; r < ReadCount; r++)
        {
            var uuid = new byte[16];
            random.NextBytes(uuid);
            var id = new Guid(uuid).ToString("D");
            ids.Add(id, r);
            var dataset = new H5Dataset<short[]>(fileDims: [SamplesPerRead]);
            datasets.Add(dataset);
            file["read_" + id] = new H5Group
            {
                ["Raw"] = new H5Group
                {
                    ["Signal"] = dataset,
                    Attributes = new()
                    {
                        ["read_id"] = id, ["duration"] = (uint)SamplesPerRead, ["read_number"] = r, ["start_time"] = (ulong)r * 300_000,
                    },
                },
                ["channel_id"] = new H5Group
                {
                    Attributes = new()
                    {
                        ["digitisation"] = 8192.0, ["offset"] = 10.0, ["range"] = 1400.0, ["sampling_rate"] = 4000.0,
                        ["channel_number"] = (r % 512 + 1).ToString(),
                    },
                },
            };
        }
        using (var writer = file.BeginWrite(path))
        {
            for (var r = 0; r < ReadCount; r++)
            {
                signal[0] = (short)r;
                writer.Write(datasets[r], signal);
            }
        }
        return ids;
    }
}
