using System.Globalization;
using System.Text.Json;
using Dipper.Basecaller.Inference;
using Dipper.Basecaller.Models;
using Dipper.Compiler.Calibration;
using Dipper.Compiler.Compilation;
using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Lowered;
using Dipper.Compiler.Import;
using Dipper.Compiler.Passes;
using Dipper.Compiler.Passes.Compression;
using Dipper.Compiler.Verification;
using Dipper.Tpu.Lite;
using Dipper.Tpu.Native;

namespace Dipper.Compiler.Commands;

/// <summary>
/// <c>dipper compile</c> as its stages in order (src/Compiler/Compilation, one per file): import, fold,
/// compress (if asked), calibrate on real reads, quantise, export (and compile for the Edge TPU),
/// verify with ONNX Runtime and TFLite on held-out reads, and only then publish the package.
/// Everything is built in a staging folder beside the output and moved into place at the end, so a
/// failed compile leaves no package behind. A model with dynamic pooling goes through the same stages for its part after
/// the pooling only (<see cref="PooledModelCompilation"/>).
/// </summary>
public static class ModelCompilation
{
    /// <summary>File names inside a compiled package.</summary>
    public const string OnnxFile = "model.onnx", OnnxInt8File = "model_int8.onnx", TfliteFile = "model_int8.tflite",
        TfliteFloatFile = "model_float.tflite", ReportFile = "report.md";

    /// <summary>
    /// The files section of a package that holds one float ONNX model (what compress, train and finetune write): the file,
    /// its input and output names (the manifest's, or the default model's), and its checksum. One home, so every such
    /// package names its model the same way.
    /// </summary>
    public static ModelFiles FloatOnnxFiles(ModelManifest manifest, byte[] onnx) => new()
    {
        Onnx = OnnxFile,
        OnnxInput = manifest.Files.OnnxInput ?? SbonitoMapper.InputName,
        OnnxOutput = manifest.Files.OnnxOutput ?? SbonitoMapper.OutputName,
        Sha256 = new Dictionary<string, string> { [OnnxFile] = ModelSource.Sha256(onnx) },
    };

    /// <summary>
/// Compiles; returns 0 when a package was written, 1 when the compile failed or fell short (or is for
/// the Edge TPU and got no Edge TPU model), 2 when --keep-dense names a layer the model lacks.
/// </summary>
    public static async Task<int> RunAsync(CompileSettings settings, TextWriter output, TextWriter errors, CancellationToken cancellationToken)
    {
        var staging = PublishStage.StagingFolder(settings.Output);
        try
        {
            var written = await CompileAsync(settings, staging, output, errors, cancellationToken);
            if (!written) return 1;
            PublishStage.Run(staging, settings.Output);
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

    /// <summary>The stages in order; false when the gate model falls short (nothing is published then).</summary>
    private static async Task<bool> CompileAsync(CompileSettings settings, string staging, TextWriter output, TextWriter errors,
        CancellationToken cancellationToken)
    {
        if (EdgeTpuStage.Precheck(settings) is { } missing)
        {
            await errors.WriteLineAsync($"dipper compile: {missing}");
            return false;
        }
        var source = await ImportStage.RunAsync(settings.Model, cancellationToken);
        if (source.Pools) return await PooledModelCompilation.CompileAsync(source, settings, staging, output, errors, cancellationToken);
        var folded = FoldStage.Run(source.Graph);
        var manifest = source.Manifest;
        var samples = manifest.Chunk.Samples;
        await output.WriteLineAsync($"dipper compile: {manifest.Name} from {settings.Model}: {source.Graph.ParameterCount:N0} parameters, " +
            $"{folded.Nodes.Count} nodes after {FoldBatchNorm.PassName}; batch {settings.Batch} × {samples} samples");

        var set = await CalibrateStage.LoadReadsAsync(settings.Calibration, manifest, settings.Set, cancellationToken);
        await output.WriteLineAsync($"calibration set: {set.Chunks.Count} chunks from {set.CalibrationReads} reads, " +
            $"{set.HeldOut.Count} more reads held out for verification ({set.Files.Count} files)");
        CalibrateStage.ReportProblems(set, "dipper compile", errors);
        if (set.HeldOut.Count == 0)
            throw new InvalidDataException("no reads were left to verify on; give more reads or fewer --calibration-chunks");

        // Compression sees the calibration chunks only, never the held-out reads verification uses.
        var compression = settings.Compression is { } asked
            ? CompressStage.Run(folded, set.Chunks, asked, settings.CompressionChunks, output, cancellationToken)
            : null;
        if (compression is not null) folded = compression.Graph;

        var calibrated = CalibrateStage.Run(folded, set, manifest, settings, output, cancellationToken);
        var quantised = QuantiseStage.Run(calibrated, samples, settings);
        var int8 = quantised.Int8;

        var modelFiles = await ExportStage.RunAsync(staging, folded, calibrated, quantised, manifest.Name, cancellationToken);
        var provenance = CompileProvenance.Of(source, settings, set, int8);
        if (compression is not null) CompressionProvenance.Record(provenance, compression);

        var report = StartReport(settings, manifest, set, int8, compression);
        (var compiler, modelFiles) = await EdgeTpuStage.RunAsync(staging, modelFiles, settings, cancellationToken);
        report.EdgeTpu(EdgeTpuCheck.Of(int8), compiler, int8);
        report.EdgeTpuEstimate(Costing.EdgeTpuCostModel.Estimate(int8));
        provenance["edgeTpuModel"] = JsonSerializer.SerializeToElement(EdgeTpuStage.Provenance(compiler));
        if (EdgeTpuStage.Shortfall(settings, compiler) is { } shortfall)
        {
            await output.WriteAsync(report.ToString());
            await errors.WriteLineAsync($"dipper compile: {shortfall}");
            return false;
        }

        var agreements = VerifyStage.Run(staging, settings, manifest, set, int8.OutputIsLogits, output, cancellationToken);
        var (gate, passed) = VerifyStage.Gate(agreements, settings);
        report.Agreements(agreements, settings.MinIdentity, settings.MinFrameAgreement, gate.Engine);
        // What the appliance's CPU computes: measured only for a model that will be written, and only when asked for.
        var arm64 = passed && settings.Arm64Chunks > 0
            ? VerifyStage.Arm64(staging, settings, manifest, set, int8, output, cancellationToken)
            : null;
        report.Line();
        report.Line(passed ? $"Verdict: {gate.Engine} passes; package written." : $"Verdict: {gate.Engine} falls short; no package written.");
        if (passed && settings.Arm64Chunks > 0) report.Arm64(arm64, settings.Arm64Chunks);
        await output.WriteLineAsync();
        await output.WriteAsync(report.ToString());
        if (!passed)
        {
            await errors.WriteLineAsync(VerifyStage.Shortfall(gate, settings));
            return false;
        }
        provenance["agreement"] = VerifyStage.Provenance(agreements);
        if (arm64 is not null) provenance["arm64"] = VerifyStage.Arm64Provenance(arm64);
        ModelPackage.WriteManifest(staging, CompileProvenance.Manifest(manifest, modelFiles, settings.Batch, provenance));
        await File.WriteAllTextAsync(Path.Combine(staging, ReportFile), report.ToString(), cancellationToken);
        return true;
    }

    /// <summary>The target as report.md names it.</summary>
    internal static string TargetText(CompileSettings settings) => settings.Target switch
    {
        CompileTarget.Cpu => "CPU",
        _ when !settings.RunEdgeTpuCompiler => "Edge TPU rules, CPU-only package (--no-edgetpu-compiler: no Edge TPU model; int8 TFLite and ONNX)",
        _ => "Edge TPU",
    };

    /// <summary>report.md up to the Edge TPU section: what was compiled, from what, and how.</summary>
    private static CompileReport StartReport(CompileSettings settings, ModelManifest manifest, CalibrationSet set, LoweredGraph int8, CompressedModel? compression)
    {
        var report = new CompileReport(manifest.Name, settings.Model, settings.Output, TargetText(settings));
        report.Line($"- passes: {string.Join(", ", CompileProvenance.PassNames(settings))}");
        report.Line(string.Create(CultureInfo.InvariantCulture, $"- calibration: {set.Chunks.Count} chunks of {manifest.Chunk.Samples} samples from {set.CalibrationReads} reads, {set.HeldOut.Count} more reads held out for verification ({set.Files.Count} files); activation ranges by {CompileProvenance.DescribeRanges(settings)}"));
        report.Line($"- int8 input {int8.InputTensor.Quantisation!.Parameters}; output {int8.OutputTensor.Quantisation!.Parameters}" +
            (int8.OutputIsLogits ? " (class scores: the engine applies the log-softmax)" : " (log-probabilities: LOG_SOFTMAX in the graph)"));
        if (compression is not null)
        {
            report.Section("Compression");
            report.Line(CompressionProvenance.Report(compression).TrimEnd());
        }
        return report;
    }
}
