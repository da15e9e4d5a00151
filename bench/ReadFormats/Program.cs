using System.Diagnostics;
using Dipper.Basecaller.Signal;

// Decode throughput per signal file, single-threaded, against the MinION's real-time rate.
// Usage: ReadFormats [seconds-per-file] FILE...
const double MinionSamplesPerSecond = 2_000_000; // 512 channels × 4 kHz (shared/README.md)
var seconds = double.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture);
Console.WriteLine($"{"file",-44} {"format",-6} {"reads",5} {"samples/s",14} {"x MinION",9}");
foreach (var file in args.Skip(1))
{
    long reads = 0, samples = 0;
    // Warm up once (JIT, file cache), then repeat whole-file decodes until the time budget is used.
    await DecodeAsync(file);
    var clock = Stopwatch.StartNew();
    do
    {
        var (r, s) = await DecodeAsync(file);
        reads += r;
        samples += s;
    } while (clock.Elapsed.TotalSeconds < seconds);
    var rate = samples / clock.Elapsed.TotalSeconds;
    var (oneRead, _) = await DecodeAsync(file);
    Console.WriteLine($"{Path.GetFileName(file),-44} {SignalFile.Detect(file),-6} {oneRead,5} {rate,14:N0} {rate / MinionSamplesPerSecond,9:F1}");
}
Console.WriteLine($"{"baseline: MinION real time",-44} {"",-6} {"",5} {MinionSamplesPerSecond,14:N0} {1.0,9:F1}");

static async Task<(long Reads, long Samples)> DecodeAsync(string path)
{
    long reads = 0, samples = 0;
    await using var reader = SignalFile.Open(path);
    await foreach (var read in reader.ReadAllAsync())
    {
        reads++;
        samples += read.SampleCount;
    }
    return (reads, samples);
}
