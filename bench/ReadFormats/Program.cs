using System.Diagnostics;
using Dipper.Basecaller.Signal;

// Decode throughput per signal file, single-threaded, against the MinION's real-time rate. The files
// after --targeted are held to the target: their pooled rate (all their samples over all their
// seconds; each file gets the same time budget) at least 40 M samples/s on one core.
// Usage: ReadFormats [seconds-per-file] FILE... [--targeted FILE...]
const double MinionSamplesPerSecond = 2_000_000; // 512 channels × 4 kHz (shared/README.md)
const double TargetSamplesPerSecond = 40_000_000; // the formats issue: decoding must never limit the appliance
var seconds = double.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture);
var targetedFrom = Array.IndexOf(args, "--targeted");
var files = args.Skip(1).Where(a => a != "--targeted").ToList();
var targeted = targetedFrom < 0 ? [] : args.Skip(targetedFrom + 1).ToHashSet();
Console.WriteLine($"same for every file: one thread on one core, whole-file decodes repeated for {seconds} s after one warm-up");
Console.WriteLine($"{"file",-44} {"format",-6} {"reads",5} {"samples/s",14} {"x MinION",9}");
long targetedSamples = 0;
double targetedSeconds = 0;
foreach (var file in files)
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
    if (targeted.Contains(file))
    {
        targetedSamples += samples;
        targetedSeconds += clock.Elapsed.TotalSeconds;
    }
    var (oneRead, _) = await DecodeAsync(file);
    Console.WriteLine($"{Path.GetFileName(file),-44} {SignalFile.Detect(file),-6} {oneRead,5} {rate,14:N0} {rate / MinionSamplesPerSecond,9:F1}");
}
Console.WriteLine($"{"baseline: MinION real time",-44} {"",-6} {"",5} {MinionSamplesPerSecond,14:N0} {1.0,9:F1}");
if (targeted.Count == 0)
{
    Console.WriteLine("result: MISSED — no file under the target was given");
    return 1;
}
var pooled = targetedSamples / targetedSeconds;
var met = pooled >= TargetSamplesPerSecond;
Console.WriteLine($"{$"targeted ({targeted.Count} files, pooled)",-44} {"",-6} {"",5} {pooled,14:N0} {pooled / MinionSamplesPerSecond,9:F1}");
Console.WriteLine($"result: {(met ? "target met" : "MISSED")} — POD5 and BLOW5 zstd + svb-zd {pooled / 1e6:F0} M samples/s per core (target >= {TargetSamplesPerSecond / 1e6:F0} M)");
return met ? 0 : 1;

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
