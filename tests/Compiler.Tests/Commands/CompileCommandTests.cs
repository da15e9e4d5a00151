using System.Text.Json;
using Dipper.Basecaller.Models;
using Dipper.Compiler.Calibration;
using Dipper.Compiler.Commands;
using Dipper.Compiler.Passes.Compression;
using Dipper.Tpu.Engines;
using Xunit.Abstractions;

namespace Dipper.Compiler.Tests.Commands;

public sealed class CompileCommandTests(ITestOutputHelper log) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("dipper-compile-").FullName;

    private CompileSettings Settings(string model, string output) => new()
    {
        Model = model,
        Calibration = [TestData.Reads],
        Output = output,
        Batch = 4,
        Set = new CalibrationSetOptions { CalibrationChunks = 16, ChunksPerRead = 4, VerificationReads = 2 },
        Threads = 2,
        // Sixteen calibration chunks are few; the tests are about the mechanism, not the best accuracy.
        MinIdentity = 0.90,
        // edgetpu_compiler is not installed here (and need not be where the tests run): the package is CPU-only, knowingly.
        RunEdgeTpuCompiler = false,
    };

    private async Task<(int Code, string Output, string Errors)> Compile(CompileSettings settings)
    {
        var (output, errors) = (new StringWriter(), new StringWriter());
        var code = await ModelCompilation.RunAsync(settings, output, errors, CancellationToken.None);
        log.WriteLine(output.ToString());
        log.WriteLine(errors.ToString());
        return (code, output.ToString(), errors.ToString());
    }

    [Fact]
    public async Task Checkpoint_compiles_to_a_verified_package_the_tflite_engine_runs()
    {
        var packageFolder = Path.Combine(_folder, "sbonito-int8");

        var (code, output, _) = await Compile(Settings(TestData.Checkpoint, packageFolder));

        Assert.Equal(0, code);
        Assert.Contains("calibration: 16/16 chunks", output);
        Assert.Contains("verification (tflite model_int8.tflite): 2/2 reads", output);
        Assert.Contains("| # | operator | node | output | Edge TPU |", output);
        Assert.Contains("## Edge TPU time (estimate, not measured)", output);
        Assert.Matches(@"\d[\d,]* µs per batch of 4 × 1800 samples, [\d,]+ chunk samples/s", output);
        var package = ModelPackage.Load(packageFolder);
        var manifest = package.Manifest;
        Assert.Equal(4, manifest.Chunk.Batch);
        Assert.Equal([4, 1800, 1], manifest.Files.TfliteInput!.Shape);
        Assert.Equal(("int8", 0.0625, 127), (manifest.Files.TfliteOutput!.Type, manifest.Files.TfliteOutput.Scale, manifest.Files.TfliteOutput.ZeroPoint));
        Assert.Equal(["fold-batchnorm", "lower-swish", "lower-to-nhwc", "quantise-int8", "bias-correction"],
            manifest.Provenance["passes"].EnumerateArray().Select(p => p.GetString()));
        var agreement = manifest.Provenance["agreement"].GetProperty("tflite model_int8.tflite");
        Assert.InRange(agreement.GetProperty("basecallIdentity").GetDouble(), 0.90, 1.0);
        // What the appliance's CPU computes, through the managed reference with arm64's requantisation: both held-out
        // reads fit the default chunk budget, and its outputs part from the x86-64 kernels' somewhere in the network.
        var arm64 = manifest.Provenance["arm64"];
        Assert.Equal(2, arm64.GetProperty("againstFloat").GetProperty("reads").GetInt32());
        Assert.InRange(arm64.GetProperty("chunks").GetInt32(), 2, CompileSettings.DefaultArm64Chunks);
        Assert.InRange(arm64.GetProperty("againstFloat").GetProperty("basecallIdentity").GetDouble(), 0.90, 1.0);
        Assert.InRange(arm64.GetProperty("againstX86Int8").GetProperty("maxAbsLogProbError").GetDouble(), 0.01, 20);
        Assert.Contains("verification (arm64, managed reference): 2/2 reads", output);
        Assert.Contains("## On the appliance's CPU: arm64 (Raspberry Pi, TFLite's built-in kernels), computed by the managed reference",
            File.ReadAllText(Path.Combine(packageFolder, "report.md")));
        foreach (var file in new[] { "model.onnx", "model_int8.onnx", "model_int8.tflite", "model_float.tflite", "report.md" })
            Assert.True(File.Exists(Path.Combine(packageFolder, file)), file);
        Assert.Contains("LOG_SOFTMAX", File.ReadAllText(Path.Combine(packageFolder, "report.md")));
        Assert.Empty(Directory.GetDirectories(_folder, ".*partial*"));

        // The appliance's TFLite engine takes the package's model as it is.
        using var engine = TfliteEngine.FromFile(package.TflitePath!);
        Assert.Equal((1800, 600, 5, 4), (engine.ChunkSamples, engine.FramesPerChunk, engine.Classes, engine.MaxBatch));
        var logProbs = new float[600 * 5];
        engine.Infer(TestData.ReadFloats("read0.window0.f32"), 1, logProbs);
        Assert.All(logProbs.Chunk(5), frame => Assert.Equal(1.0, frame.Sum(v => Math.Exp(v)), 0.25));
    }

    [Fact]
    public async Task Package_folder_recompiles_for_the_cpu_with_the_int8_onnx_model_as_the_gate()
    {
        var packageFolder = Path.Combine(_folder, "cpu");

        var (code, output, _) = await Compile(Settings(TestData.PackageFolder, packageFolder) with { Target = CompileTarget.Cpu });

        Assert.Equal(0, code);
        Assert.Contains("Thresholds for onnx model_int8.onnx", output);
        var manifest = ModelPackage.Load(packageFolder).Manifest;
        Assert.Equal("model.onnx", manifest.Provenance["compiledFrom"].GetProperty("file").GetString());
        Assert.Equal("562244797e2fc53d9eb329c5b1397839209ad8d9f662b04907caef9bd28766a0", manifest.Provenance["source"].GetProperty("sha256").GetString());

        // dipperd runs the int8 ONNX model when asked for it by name (--engine onnx-int8), and it calls as the float model does, nearly.
        var package = ModelPackage.Load(packageFolder);
        var factory = Dipper.Basecaller.Inference.EngineFactory.WithBuiltInEngines();
        var options = new Dipper.Basecaller.Inference.InferenceEngineOptions { Batch = 3 };
        using var int8 = factory.Create("onnx-int8", package, options);
        using var float32 = factory.Create("onnx", package, options);
        Assert.Equal("onnx-int8", int8.Name);
        var windows = TestData.ReferenceWindows();
        var (fromInt8, fromFloat) = (new float[3 * int8.FramesPerChunk * int8.Classes], new float[3 * float32.FramesPerChunk * float32.Classes]);
        int8.Infer(windows, 3, fromInt8);
        float32.Infer(windows, 3, fromFloat);
        var tally = new Dipper.Compiler.Verification.AgreementTally(new Dipper.Basecaller.Decoding.CtcAlphabet(manifest.Alphabet, manifest.Blank));
        tally.Add(fromFloat, fromInt8);
        var agreement = tally.Result(int8.Name);
        Assert.True(agreement.FrameAgreement >= 0.85, agreement.ToString());
        Assert.True(agreement.MaxAbsLogProbError > 0, "the int8 model gave the float model's values exactly");

        // dipperd basecall, as a process: the int8 model's depthwise layers on Dipper's kernel (where the CPU has AVX-512 BW)
        // call every read as ONNX Runtime's own kernels do (--ort-depthwise).
        string[] Call(string name, params string[] extra)
        {
            var fastq = Path.Combine(_folder, name);
            var (exit, messages) = ApplianceCommand.Run(["basecall", TestData.Reads, "--model", packageFolder, "--engine", "onnx-int8", "--threads", "1", "-o", fastq, .. extra]);
            log.WriteLine(messages);
            Assert.True(exit == 0, messages);
            Assert.Equal(Dipper.Basecaller.Inference.Int8.DepthwiseConvolution.IsSupported && extra.Length == 0, messages.Contains("depthwise layers on Dipper's int8 kernel"));
            return File.ReadAllLines(fastq).Chunk(4).Select(record => string.Join('\n', record)).Order(StringComparer.Ordinal).ToArray();
        }
        var ours = Call("dipper-depthwise.fastq");
        var theirs = Call("ort-depthwise.fastq", "--ort-depthwise");
        Assert.Equal(10, ours.Length);
        Assert.Equal(theirs, ours);
    }

    [Fact]
    public async Task Compile_below_the_agreement_threshold_fails_and_writes_no_package()
    {
        var packageFolder = Path.Combine(_folder, "strict");

        var (code, _, errors) = await Compile(Settings(TestData.Checkpoint, packageFolder) with
        {
            MinIdentity = 1.01,
            Set = new CalibrationSetOptions { CalibrationChunks = 8, ChunksPerRead = 4, VerificationReads = 1 },
        });

        Assert.Equal(1, code);
        Assert.Contains("tflite model_int8.tflite does not agree closely enough with the float model", errors);
        Assert.Contains("(need 101.0 %)", errors);
        Assert.Contains("no package written", errors);
        Assert.False(Directory.Exists(packageFolder));
        Assert.Empty(Directory.GetDirectories(_folder));
    }

    [Fact]
    public async Task Pruned_compile_records_every_layer_in_the_package_provenance_and_report()
    {
        var packageFolder = Path.Combine(_folder, "magnitude-50");

        var (code, output, _) = await Compile(Settings(TestData.Checkpoint, packageFolder) with
        {
            Compression = new ModelCompressionOptions { Method = CompressionMethod.Magnitude, Sparsity = 0.5, Threads = 2 },
            CompressionChunks = 8,
            Set = new CalibrationSetOptions { CalibrationChunks = 8, ChunksPerRead = 4, VerificationReads = 1 },
            // Magnitude pruning at 50 % leaves this small model unsure of its calls (int8 agrees with it on 98 % of frames but only
            // about 82 % of bases); the test is about the records, so the gate is low.
            MinIdentity = 0.7,
        });

        Assert.Equal(0, code);
        Assert.Contains("compression: magnitude at 50 % sparsity on 8 chunks", output);
        var manifest = ModelPackage.Load(packageFolder).Manifest;
        Assert.Equal(["fold-batchnorm", "prune-magnitude", "lower-swish", "lower-to-nhwc", "quantise-int8", "bias-correction"],
            manifest.Provenance["passes"].EnumerateArray().Select(p => p.GetString()));
        var compression = manifest.Provenance["compression"];
        Assert.Equal(("magnitude", 0.5), (compression.GetProperty("method").GetString(), compression.GetProperty("sparsity").GetDouble()));
        var layers = compression.GetProperty("layers").EnumerateArray().ToList();
        Assert.Equal(60, layers.Count);
        Assert.Equal("e.encoder.0.conv.0.conv", layers[0].GetProperty("layer").GetString());
        Assert.All(layers, l => Assert.InRange(l.GetProperty("sparsity").GetDouble(), 0.45, 0.51));
        Assert.All(layers, l => Assert.InRange(l.GetProperty("relativeError").GetDouble(), 1e-6, 1));
        Assert.Equal(247_205, compression.GetProperty("totals").GetProperty("originalParameters").GetInt64());
        Assert.Contains("| out | Linear | 5×40 | magnitude | 50.0 % |", File.ReadAllText(Path.Combine(packageFolder, "report.md")));
    }

    [Fact]
    public async Task Factorised_model_compiles_end_to_end_to_tflite_and_onnx()
    {
        var packageFolder = Path.Combine(_folder, "dsf-50");

        var (code, output, _) = await Compile(Settings(TestData.Checkpoint, packageFolder) with
        {
            Compression = new ModelCompressionOptions { Method = CompressionMethod.Dsf, Sparsity = 0.5, Threads = 2 },
            CompressionChunks = 8,
            Set = new CalibrationSetOptions { CalibrationChunks = 8, ChunksPerRead = 4, VerificationReads = 1 },
            MinIdentity = 0.85,
        });

        Assert.Equal(0, code);
        Assert.Contains(".factor_b", output); // the inner layers appear as operators of their own in the Edge TPU table
        var package = ModelPackage.Load(packageFolder);
        var layers = package.Manifest.Provenance["compression"].GetProperty("layers").EnumerateArray();
        Assert.InRange(layers.Count(l => l.GetProperty("method").GetString() == "dsf"), 25, 31); // the 80×80 1×1 convolutions where DSF beats ADMM
        using var engine = TfliteEngine.FromFile(package.TflitePath!);
        var logProbs = new float[600 * 5];
        engine.Infer(TestData.ReadFloats("read0.window0.f32"), 1, logProbs);
        Assert.All(logProbs.Chunk(5), frame => Assert.Equal(1.0, frame.Sum(v => Math.Exp(v)), 0.25));
    }

    [Fact]
    public async Task Calibration_folder_without_reads_fails_with_the_reason()
    {
        var empty = Directory.CreateDirectory(Path.Combine(_folder, "empty")).FullName;

        var (code, _, errors) = await Compile(Settings(TestData.Checkpoint, Path.Combine(_folder, "out")) with { Calibration = [empty] });

        Assert.Equal(1, code);
        Assert.Contains("dipper compile: no usable reads", errors);
        Assert.False(Directory.Exists(Path.Combine(_folder, "out")));
    }

    [Fact]
    public void Edgetpu_target_without_edgetpu_compiler_on_path_exits_non_zero_says_how_to_get_one_and_writes_nothing()
    {
        var packageFolder = Path.Combine(_folder, "edgetpu");
        // A PATH of one empty folder: no edgetpu_compiler, whatever the machine has installed.
        var path = Directory.CreateDirectory(Path.Combine(_folder, "bin")).FullName;

        var result = ToolProcess.Run(new Dictionary<string, string> { ["PATH"] = path },
            "compile", "--model", TestData.Checkpoint, "--calibration", TestData.Reads, "--target", "edgetpu", "-o", packageFolder);

        log.WriteLine(result.Errors);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("needs Coral's edgetpu_compiler, which is not on PATH", result.Errors);
        Assert.Contains("the package would have no Edge TPU model, so nothing was written", result.Errors);
        Assert.Contains("the Debian package edgetpu-compiler from Coral's apt repository", result.Errors);
        Assert.Contains("compile on a machine that has it", result.Errors);
        Assert.Contains("--no-edgetpu-compiler", result.Errors);
        Assert.False(Directory.Exists(packageFolder));
        Assert.Equal([path], Directory.GetDirectories(_folder)); // no staging folder left either
    }

    [Fact]
    public async Task No_edgetpu_compiler_writes_a_cpu_only_package_whose_manifest_and_report_say_it_has_no_edge_tpu_model()
    {
        var packageFolder = Path.Combine(_folder, "cpu-only");

        var (code, output, _) = await Compile(Settings(TestData.Checkpoint, packageFolder) with
        {
            Target = CompileTarget.EdgeTpu,
            RunEdgeTpuCompiler = false,
            Set = new CalibrationSetOptions { CalibrationChunks = 8, ChunksPerRead = 4, VerificationReads = 1 },
            MinIdentity = 0.85,
        });

        Assert.Equal(0, code);
        Assert.Contains("No Edge TPU model in this package", output);
        var manifest = ModelPackage.Load(packageFolder).Manifest;
        Assert.Null(manifest.Files.TfliteEdgeTpu);
        Assert.Equal(("model_int8.tflite", "model_int8.onnx"), (manifest.Files.Tflite, manifest.Files.OnnxInt8));
        Assert.StartsWith("none: compiled with --no-edgetpu-compiler", manifest.Provenance["edgeTpuModel"].GetString());
        Assert.Equal("dipper compile --target edgetpu --no-edgetpu-compiler", manifest.Provenance["compiler"].GetString());
        Assert.Empty(Directory.GetFiles(packageFolder, "*_edgetpu.tflite"));
        var report = File.ReadAllText(Path.Combine(packageFolder, "report.md"));
        Assert.Contains("- target: Edge TPU rules, CPU-only package (--no-edgetpu-compiler", report);
        Assert.Contains("No Edge TPU model in this package: `--no-edgetpu-compiler` asked for a CPU-only package", report);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
