using System.Diagnostics;
using System.Globalization;
using Dipper.Basecaller.Inference;
using Dipper.Basecaller.Models;
using Dipper.Basecaller.Output;
using Dipper.Basecaller.Pipeline;
using Dipper.Basecaller.Signal;
using Dipper.Tpu.Engines;

// Base calls the same reads with a compiled package's float ONNX model and int8 QDQ ONNX model
// (ONNX Runtime) and its int8 TFLite model (TFLite CPU engine), one engine per worker, beam 5, and
// prints each engine's samples/s. The FASTQ files (float.fastq, int8-onnx.fastq, int8-tflite.fastq)
// are left in OUT_DIR for identity.sh.
// Usage: Quantise PACKAGE_DIR SIGNAL_DIR OUT_DIR [workers]
var package = ModelPackage.Load(args[0]);
var files = SignalFile.Find([args[1]]).ToList();
var output = Directory.CreateDirectory(args[2]).FullName;
var workers = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : Environment.ProcessorCount;
var manifest = package.Manifest;
var batch = manifest.Chunk.Batch ?? 8;
var tflite = package.TflitePath ?? throw new InvalidDataException($"{args[0]}: no TFLite model in the package");
var onnxInt8 = manifest.Files.OnnxInt8 ?? throw new InvalidDataException($"{args[0]}: no int8 ONNX model in the package");

IInferenceEngine Float() => new OnnxRuntimeEngine(package, new InferenceEngineOptions { Threads = 1, Batch = batch });
IInferenceEngine Int8Onnx() => new OnnxRuntimeEngine(Path.Combine(package.Directory, onnxInt8), manifest, new InferenceEngineOptions { Threads = 1, Batch = batch });
IInferenceEngine Int8Tflite()
{
    var engine = TfliteEngine.FromFile(tflite, new TfliteEngineOptions { Threads = 1, MaxBatch = batch });
    return manifest.Files.TfliteOutputIsLogits ? new Dipper.Compiler.Verification.LogSoftmaxEngine(engine) : engine;
}

Console.WriteLine($"{"engine",-24} {"reads",6} {"samples",12} {"seconds",8} {"samples/s",12}");
foreach (var (name, file, create) in new (string, string, Func<IInferenceEngine>)[]
         {
             ("onnx float32", "float.fastq", Float), ("onnx int8 (QDQ)", "int8-onnx.fastq", Int8Onnx), ("tflite int8", "int8-tflite.fastq", Int8Tflite),
         })
{
    var engines = Enumerable.Range(0, workers).Select(_ => create()).ToList();
    try
    {
        var pipeline = new BasecallPipeline(manifest, engines);
        var clock = Stopwatch.StartNew();
        using (var writer = new FastqWriter(Path.Combine(output, file)))
        {
            await pipeline.RunAsync(files, writer, problem => Console.Error.WriteLine(problem.Message));
            writer.Commit();
        }
        var seconds = clock.Elapsed.TotalSeconds;
        var samples = pipeline.Counters.SamplesCalled;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name + $" ×{workers}",-24} {pipeline.Counters.ReadsCalled,6} {samples,12:N0} {seconds,8:F1} {samples / seconds,12:N0}"));
    }
    finally
    {
        foreach (var engine in engines) engine.Dispose();
    }
}
