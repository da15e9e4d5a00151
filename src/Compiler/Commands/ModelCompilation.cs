using System.Globalization;
using System.Text.Json;
using Dipper.Basecaller.Decoding;
using Dipper.Basecaller.Inference;
using Dipper.Basecaller.Models;
using Dipper.Basecaller.Pipeline;
using Dipper.Compiler.Calibration;
using Dipper.Compiler.Export;
using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Execution;
using Dipper.Compiler.Graph.Lowered;
using Dipper.Compiler.Import;
using Dipper.Compiler.Passes;
using Dipper.Compiler.Quantisation;
using Dipper.Compiler.Verification;
using Dipper.Tpu.Engines;
using Dipper.Tpu.Lite;
using Dipper.Tpu.Native;

namespace Dipper.Compiler.Commands;

/// <summary>
/// The steps of <c>dipper compile</c> in order: load, fold and lower, calibrate on real reads,
/// quantise, export, check for the Edge TPU, verify with ONNX Runtime and TFLite on held-out reads,
/// and only then write the package. Everything is built in a staging folder beside the output and
/// moved into place at the end, so a failed compile leaves no package behind.
/// </summary>
public static class ModelCompilation
{
    /// <summary>File names inside a compiled package.</summary>
    public const string OnnxFile = "model.onnx", OnnxInt8File = "model_int8.onnx", TfliteFile = "model_int8.tflite",
        TfliteFloatFile = "model_float.tflite", ReportFile = "report.md";

    /// <summary>Compiles; returns 0 when a package was written, 1 when the compile failed or fell short, 2 when --keep-dense names a layer the model lacks.</summary>
    public static async Task<int> RunAsync(CompileSettings settings, TextWriter output, TextWriter errors, CancellationToken cancellationToken)
    {
        var staging = StagingFolder(settings.Output);
        try
        {
            var written = await CompileAsync(settings, staging, output, errors, cancellationToken);
            if (!written) return 1;
            Publish(staging, settings.Output);
            await output.WriteLineAsync($"dipper compile: package written to {settings.Output}");
            return 0;
        }
        catch (Passes.Compression.UnknownLayerException e)
        {
            await errors.WriteLineAsync($"dipper compile: {e.Message}");
            return Basecaller.CommandLine.CommandLineRunner.UsageError;
        }
        catch (Exception e) when (e is CheckpointFormatException or GraphException or InvalidDataException or FileNotFoundException
                                       or NativeLibraryNotFoundException or InferenceException or TfliteException)
        {
            await errors.WriteLineAsync($"dipper compile: {e.Message}");
            return 1;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await errors.WriteLineAsync($"dipper compile: {e.Message}");
            return 1;
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
    }

    private static async Task<bool> CompileAsync(CompileSettings settings, string staging, TextWriter output, TextWriter errors,
        CancellationToken cancellationToken)
    {
        var inv = CultureInfo.InvariantCulture;
        var source = await ModelSource.LoadAsync(settings.Model, cancellationToken);
        var folded = FoldBatchNorm.Apply(source.Graph);
        var manifest = source.Manifest;
        var samples = manifest.Chunk.Samples;
        await output.WriteLineAsync($"dipper compile: {manifest.Name} from {settings.Model}: {source.Graph.ParameterCount:N0} parameters, " +
            $"{folded.Nodes.Count} nodes after {FoldBatchNorm.PassName}; batch {settings.Batch} × {samples} samples");

        var set = await CalibrationSet.LoadAsync(settings.Calibration, manifest, settings.Set, cancellationToken);
        await output.WriteLineAsync($"calibration set: {set.Chunks.Count} chunks from {set.CalibrationReads} reads, " +
            $"{set.HeldOut.Count} more reads held out for verification ({set.Files.Count} files)");
        ReportProblems(set, "dipper compile", errors);
        if (set.HeldOut.Count == 0)
            throw new InvalidDataException("no reads were left to verify on; give more reads or fewer --calibration-chunks");

        // Compression sees the calibration chunks only, never the held-out reads verification uses.
        var compression = settings.Compression is { } asked
            ? CompressionStep.Apply(folded, set.Chunks, asked, settings.CompressionChunks, output, cancellationToken)
            : null;
        if (compression is not null) folded = compression.Graph;
        var graph = LowerSwish.Apply(folded);

        var calibrationProgress = new ProgressLine(output, "calibration", set.Chunks.Count, "chunks");
        var statistics = Calibrator.Collect(new FloatExecutor(graph), set.Chunks, settings.Batch, settings.Threads, calibrationProgress, cancellationToken);
        var ranges = statistics.Ranges(settings.Range, settings.Percentile);
        var clip = (float)(manifest.Normalisation.Clip ?? Math.Max(Math.Abs(statistics.Histograms[graph.Inputs[0].Name].Min), statistics.Histograms[graph.Inputs[0].Name].Max));
        var lowered = LowerToNhwc.Apply(graph, settings.Batch, samples, settings.LogSoftmaxInGraph);
        var int8 = Int8Quantiser.Apply(lowered, ranges, QuantisationParameters.ForRange(-clip, clip),
            settings.BiasCorrection ? statistics.ChannelMeans() : null);

        Directory.CreateDirectory(staging);
        var files = new Dictionary<string, byte[]>
        {
            [OnnxFile] = OnnxExporter.Export(folded),
            [OnnxInt8File] = OnnxQdqExporter.Export(graph, int8),
            [TfliteFile] = TfliteExporter.Export(int8, $"{manifest.Name} int8"),
            [TfliteFloatFile] = TfliteExporter.Export(lowered, $"{manifest.Name} float32"),
        };
        foreach (var (name, bytes) in files) await File.WriteAllBytesAsync(Path.Combine(staging, name), bytes, cancellationToken);
        var modelFiles = Files(files, int8);
        var provenance = Provenance(source, settings, set, int8);
        if (compression is not null) provenance["compression"] = CompressionProvenance.ToJson(compression);

        var report = new CompileReport(manifest.Name, settings.Model, settings.Output, settings.Target == CompileTarget.EdgeTpu ? "Edge TPU" : "CPU");
        report.Line($"- passes: {string.Join(", ", Passes(settings))}");
        report.Line(string.Create(inv, $"- calibration: {set.Chunks.Count} chunks of {samples} samples from {set.CalibrationReads} reads, {set.HeldOut.Count} more reads held out for verification ({set.Files.Count} files); activation ranges by {Describe(settings)}"));
        report.Line($"- int8 input {int8.InputTensor.Quantisation!.Parameters}; output {int8.OutputTensor.Quantisation!.Parameters}" +
            (int8.OutputIsLogits ? " (class scores: the engine applies the log-softmax)" : " (log-probabilities: LOG_SOFTMAX in the graph)"));
        if (compression is not null)
        {
            report.Section("Compression");
            report.Line(CompressionProvenance.Report(compression).TrimEnd());
        }
        var compiler = await EdgeTpuCompilerRun.TryRunAsync(Path.Combine(staging, TfliteFile), cancellationToken);
        if (compiler.CompiledModel is { } compiled)
        {
            var name = Path.GetFileName(compiled);
            modelFiles = modelFiles with
            {
                TfliteEdgeTpu = name,
                Sha256 = new Dictionary<string, string>(modelFiles.Sha256) { [name] = ModelSource.Sha256(await File.ReadAllBytesAsync(compiled, cancellationToken)) },
            };
        }
        report.EdgeTpu(EdgeTpuCheck.Of(int8), compiler, int8);

        var agreements = Verify(staging, settings, manifest, set, int8.OutputIsLogits, output, cancellationToken);
        var gate = agreements[settings.Target == CompileTarget.EdgeTpu ? 0 : 1];
        report.Agreements(agreements, settings.MinIdentity, settings.MinFrameAgreement, gate.Engine);
        var passed = gate.BasecallIdentity >= settings.MinIdentity && gate.FrameAgreement >= settings.MinFrameAgreement;
        report.Line();
        report.Line(passed ? $"Verdict: {gate.Engine} passes; package written." : $"Verdict: {gate.Engine} falls short; no package written.");
        await output.WriteLineAsync();
        await output.WriteAsync(report.ToString());
        if (!passed)
        {
            await errors.WriteLineAsync(string.Create(inv,
                $"dipper compile: {gate.Engine} does not agree closely enough with the float model: basecall identity {gate.BasecallIdentity:P2} (need {settings.MinIdentity:P1}), frame agreement {gate.FrameAgreement:P2} (need {settings.MinFrameAgreement:P1}); no package written"));
            return false;
        }
        provenance["agreement"] = JsonSerializer.SerializeToElement(agreements.ToDictionary(a => a.Engine, a => new Dictionary<string, double>
        {
            ["reads"] = a.Reads,
            ["frames"] = a.Frames,
            ["frameAgreement"] = Math.Round(a.FrameAgreement, 5),
            ["basecallIdentity"] = Math.Round(a.BasecallIdentity, 5),
            ["lowestReadIdentity"] = Math.Round(a.LowestReadIdentity, 5),
            ["maxAbsLogProbError"] = Math.Round(a.MaxAbsLogProbError, 4),
            ["meanAbsLogProbError"] = Math.Round(a.MeanAbsLogProbError, 5),
        }));
        ModelPackage.WriteManifest(staging, Compiled(manifest, modelFiles, settings.Batch, provenance));
        await File.WriteAllTextAsync(Path.Combine(staging, ReportFile), report.ToString(), cancellationToken);
        return true;
    }

    /// <summary>int8 TFLite, int8 ONNX and float TFLite, each against float ONNX, on the held-out reads.</summary>
    private static List<Agreement> Verify(string staging, CompileSettings settings, ModelManifest manifest, CalibrationSet set,
        bool outputIsLogits, TextWriter output, CancellationToken cancellationToken)
    {
        var layout = ChunkLayout.From(manifest);
        var alphabet = new CtcAlphabet(manifest.Alphabet, manifest.Blank);
        var options = new InferenceEngineOptions { Threads = settings.Threads, Batch = settings.Batch };
        // The ONNX exporters name the tensors as ModelFiles' defaults say; the model files are given by path.
        var exported = manifest with { Files = new ModelFiles() };
        using var reference = new OnnxRuntimeEngine(Path.Combine(staging, OnnxFile), exported, options);
        var results = new List<Agreement>();
        Agreement Run(string name, IInferenceEngine candidate)
        {
            var progress = new ProgressLine(output, $"verification ({name})", set.HeldOut.Count, "reads");
            var agreement = ModelVerifier.Compare(name, reference, candidate, layout, alphabet, set.HeldOut, progress, cancellationToken);
            output.WriteLine(agreement);
            return agreement;
        }
        var tfliteOptions = new TfliteEngineOptions { Threads = settings.Threads, MaxBatch = settings.Batch };
        using (IInferenceEngine int8 = outputIsLogits
                   ? new LogSoftmaxEngine(TfliteEngine.FromFile(Path.Combine(staging, TfliteFile), tfliteOptions))
                   : TfliteEngine.FromFile(Path.Combine(staging, TfliteFile), tfliteOptions))
            results.Add(Run($"tflite {TfliteFile}", int8));
        using (var onnxInt8 = new OnnxRuntimeEngine(Path.Combine(staging, OnnxInt8File), exported, options))
            results.Add(Run($"onnx {OnnxInt8File}", onnxInt8));
        using (var floatTflite = TfliteEngine.FromFile(Path.Combine(staging, TfliteFloatFile), tfliteOptions))
        {
            IInferenceEngine engine = outputIsLogits ? new LogSoftmaxEngine(floatTflite) : floatTflite;
            results.Add(Run($"tflite {TfliteFloatFile}", engine));
        }
        return results;
    }

    private static ModelFiles Files(Dictionary<string, byte[]> files, LoweredGraph int8) => new()
    {
        Onnx = OnnxFile,
        OnnxInput = "signal",
        OnnxOutput = "logprobs",
        Tflite = TfliteFile,
        TfliteInput = TensorInfo(int8.InputTensor),
        TfliteOutput = TensorInfo(int8.OutputTensor),
        TfliteOutputIsLogits = int8.OutputIsLogits,
        OnnxInt8 = OnnxInt8File,
        Sha256 = files.ToDictionary(f => f.Key, f => ModelSource.Sha256(f.Value)),
    };

    private static TfliteTensorInfo TensorInfo(LoweredTensor tensor) => new()
    {
        Name = tensor.Name,
        Shape = tensor.Shape,
        Type = tensor.Type == ElementType.Int8 ? "int8" : "float32",
        Scale = tensor.Quantisation?.Parameters.Scale,
        ZeroPoint = tensor.Quantisation?.Parameters.ZeroPoint,
    };

    private static ModelManifest Compiled(ModelManifest source, ModelFiles files, int batch, Dictionary<string, JsonElement> provenance) =>
        source with { Files = files, Chunk = source.Chunk with { Batch = batch }, Provenance = provenance };

    private static Dictionary<string, JsonElement> Provenance(ModelSource source, CompileSettings settings, CalibrationSet set, LoweredGraph int8)
    {
        var provenance = new Dictionary<string, JsonElement>(source.Provenance)
        {
            ["compiler"] = JsonSerializer.SerializeToElement($"dipper compile --target {(settings.Target == CompileTarget.EdgeTpu ? "edgetpu" : "cpu")}"),
            ["passes"] = JsonSerializer.SerializeToElement(Passes(settings)),
            ["parameters"] = JsonSerializer.SerializeToElement(source.Graph.ParameterCount),
            ["calibration"] = JsonSerializer.SerializeToElement(new Dictionary<string, object>(CalibrationSummary(set))
            {
                ["heldOutReads"] = set.HeldOut.Select(r => r.ReadId).ToArray(),
                ["ranges"] = Describe(settings),
            }),
            ["quantisation"] = JsonSerializer.SerializeToElement(new Dictionary<string, object>
            {
                ["weights"] = "int8 symmetric per output channel",
                ["activations"] = "int8 asymmetric per tensor",
                ["biases"] = "int32, scale = input scale × weight scale",
                ["inputScale"] = int8.InputTensor.Quantisation!.Parameters.Scale,
                ["inputZeroPoint"] = int8.InputTensor.Quantisation.Parameters.ZeroPoint,
                ["outputScale"] = int8.OutputTensor.Quantisation!.Parameters.Scale,
                ["outputZeroPoint"] = int8.OutputTensor.Quantisation.Parameters.ZeroPoint,
            }),
        };
        provenance.Remove("compiledFrom");
        if (source.Provenance.TryGetValue("compiledFrom", out var from)) provenance["compiledFrom"] = from;
        return provenance;
    }

    /// <summary>What a package's provenance says of the reads it was calibrated on (compile adds its held-out reads and ranges).</summary>
    internal static Dictionary<string, object> CalibrationSummary(CalibrationSet set) => new()
    {
        ["files"] = set.Files.Select(Path.GetFileName).ToArray(),
        ["reads"] = set.CalibrationReads,
        ["chunks"] = set.Chunks.Count,
    };

    private static string[] Passes(CompileSettings settings) =>
        [FoldBatchNorm.PassName, .. settings.Compression is { } c ? [c.PassName] : Array.Empty<string>(), LowerSwish.PassName, LowerToNhwc.PassName, Int8Quantiser.PassName, .. settings.BiasCorrection ? [Int8Quantiser.BiasCorrectionName] : Array.Empty<string>()];

    private static string Describe(CompileSettings settings) => settings.Range switch
    {
        RangeMethod.Percentile => string.Create(CultureInfo.InvariantCulture, $"percentile {settings.Percentile}"),
        RangeMethod.Mse => "least squared error",
        _ => "min/max",
    };

    /// <summary>Lists the first few skipped reads and files on the error stream.</summary>
    internal static void ReportProblems(CalibrationSet set, string command, TextWriter errors)
    {
        foreach (var problem in set.Problems.Take(5)) errors.WriteLine($"{command}: {problem}");
        if (set.Problems.Count > 5) errors.WriteLine($"{command}: … and {set.Problems.Count - 5} more reads skipped");
    }

    /// <summary>The staging folder beside <paramref name="output"/> a package is built in before it is published.</summary>
    internal static string StagingFolder(string output) => Path.Combine(Path.GetDirectoryName(Path.GetFullPath(output))!,
        $".{Path.GetFileName(Path.GetFullPath(output))}.partial-{Environment.ProcessId}");

    /// <summary>Moves the staged files into the package folder (created if missing; files it holds with the same names are replaced).</summary>
    internal static void Publish(string staging, string destination)
    {
        if (!Directory.Exists(destination))
        {
            Directory.Move(staging, destination);
            return;
        }
        foreach (var file in Directory.EnumerateFiles(staging))
            File.Move(file, Path.Combine(destination, Path.GetFileName(file)), overwrite: true);
    }
}
