using System.Globalization;
using Dipper.Basecaller.Inference;
using Dipper.Basecaller.Models;
using Dipper.Basecaller.Signal;
using Dipper.Bench.Engines;
using Dipper.Tpu.Engines;

// Base calls the same reads with chosen models of one package, each through its own engine, at the
// same number of workers (one engine and one thread each), the same batch and the same decoder, and
// prints one line per model: end to end (read, normalise, network, decode, write, as dipperd basecall
// does) and, with --model-only, the network alone on the same reads' chunks. The FASTQ files
// (MODEL.fastq) are left in OUT_DIR for identity.sh.
// Models: onnx-float (model.onnx), onnx-int8 (the QDQ model, its depthwise layers on Dipper's kernel where the CPU runs it),
// onnx-int8-ort (the same on ONNX Runtime's own kernels only), tflite-int8 (model_int8.tflite, TFLite
// CPU engine), tflite-float (model_float.tflite, when the package has it), and either TFLite model on XNNPACK's
// kernels (tflite-int8-xnnpack, tflite-float-xnnpack), and the same with the depthwise kernels padded to XNNPACK's 25-tap
// tile (tflite-int8-xnnpack-dw25, tflite-float-xnnpack-dw25; DepthwiseTapPadding.cs).
// --chunk/--overlap cut the reads as dipperd basecall's options do; --intra N gives each engine N threads (default 1).
// The model-only line also prints the chunk samples per second (every sample the network computes, overlap and padding included)
// and the chunk samples per CPU-second (the process's user + system time over the timed batches: what survives a shared machine).
// Usage: Engines PACKAGE_DIR SIGNAL_DIR OUT_DIR WORKERS MODEL[,MODEL...] [--batch N] [--greedy] [--model-only] [--no-end-to-end]
//        [--chunk N] [--overlap N] [--intra N] [--decoders]
// --decoders times the beam-5 and greedy decoders alone on one thread over the first model's log-probabilities.
var inv = CultureInfo.InvariantCulture;
if (args.Length < 5)
{
    Console.Error.WriteLine("usage: Engines PACKAGE_DIR SIGNAL_DIR OUT_DIR WORKERS MODEL[,MODEL...] [--batch N] [--greedy] [--model-only] [--no-end-to-end]");
    return 2;
}
var options = args.Skip(5).ToList();
int? Option(string name) => options.IndexOf(name) is var at and >= 0 ? int.Parse(options[at + 1], inv) : null;
var package = ModelPackage.Load(args[0]).WithChunk(Option("--chunk"), Option("--overlap"));
var files = SignalFile.Find([args[1]]).ToList();
var output = Directory.CreateDirectory(args[2]).FullName;
var workers = int.Parse(args[3], inv);
var models = args[4].Split(',');
var manifest = package.Manifest;
var batch = Option("--batch") ?? manifest.Chunk.Batch ?? 32;
var intra = Option("--intra") ?? 1;
var beam = options.Contains("--greedy") ? 1 : 5;
var modelOnly = options.Contains("--model-only");
var decoders = options.Contains("--decoders");
var endToEnd = !options.Contains("--no-end-to-end");

var engines = new PackageEngines(package, batch, intra);
var chunks = modelOnly || decoders ? await ChunkSet.CutAsync(files, manifest) : null;
if (decoders && engines.Has(models[0]))
{
    using var engine = engines.Create(models[0]);
    foreach (var (decoder, frames, seconds, cpu) in DecoderTiming.Run(engine, chunks!, manifest))
        Console.WriteLine(string.Create(inv, $"decoder {decoder,-7} 1 thread {frames,10:N0} frames {seconds,6:F2} s {frames / seconds,12:N0} frames/s {frames / cpu,12:N0} frames per CPU-s"));
}
Console.WriteLine($"same for every model: {workers} worker(s) × {intra} thread(s), chunk {manifest.Chunk.Samples} overlap {manifest.Chunk.Overlap}, batch {batch}, {(beam > 1 ? $"beam {beam}" : "greedy")} decoding, {files.Count} file(s)");
Console.WriteLine($"{"model",-25} {"scope",-11} {"reads",6} {"samples",12} {"seconds",8} {"samples/s",12} {"chunk samples/s",16} {"cpu s",7} {"chunk samples/CPU-s",20}");
var failed = false;
foreach (var model in models)
{
    if (!engines.Has(model))
    {
        Console.WriteLine($"{model,-25} not in the package: {engines.Why(model)}");
        failed = true;
        continue;
    }
    if (modelOnly)
    {
        var timing = ModelOnlyTiming.Run(() => engines.Create(model), workers, chunks!);
        Console.WriteLine(string.Create(inv,
            $"{model,-25} {"model-only",-11} {chunks!.Reads,6} {chunks.Samples,12:N0} {timing.Seconds,8:F1} {chunks.Samples / timing.Seconds,12:N0} " +
            $"{(double)chunks.Count * chunks.ChunkSamples / timing.Seconds,16:N0} {timing.CpuSeconds,7:F1} {(double)chunks.Count * chunks.ChunkSamples / timing.CpuSeconds,20:N0}"));
    }
    if (endToEnd)
    {
        var run = await EndToEndRun.RunAsync(() => engines.Create(model), workers, manifest, beam, files, Path.Combine(output, $"{model}.fastq"));
        Console.WriteLine(string.Create(inv,
            $"{model,-25} {"end-to-end",-11} {run.Reads,6} {run.Samples,12:N0} {run.Seconds,8:F1} {run.Samples / run.Seconds,12:N0}"));
        failed |= run.Problems > 0;
    }
}
return failed ? 1 : 0;
