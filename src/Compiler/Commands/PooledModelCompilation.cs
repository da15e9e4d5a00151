using System.Globalization;
using System.Text.Json;
using Dipper.Basecaller.Inference;
using Dipper.Basecaller.Models;
using Dipper.Compiler.Calibration;
using Dipper.Compiler.Compilation;
using Dipper.Compiler.Costing;
using Dipper.Compiler.Export;
using Dipper.Compiler.Graph;
using Dipper.Compiler.Passes;
using Dipper.Compiler.Verification;

namespace Dipper.Compiler.Commands;

/// <summary>
/// <c>dipper compile</c> of a model with dynamic pooling (docs/dynamic-pooling.md): the part after the pooling, nearly the
/// whole network, goes through compile's own stages (calibrate, quantise, export, Edge TPU, verify) as an int8 TFLite model;
/// the part before it stays float ONNX, run on the host's CPU: it is one convolution at every sample and a 1×1 head, it
/// hands the host 82 values per sample, and the pooling needs float positions (a prefix sum of moves over the whole read).
/// Calibration and verification see what the appliance gives the second part: each read run whole through the float first
/// part and pooled on the host, then cut into the manifest's windows. The package is the float parts as
/// <see cref="PooledPackage"/> writes them, with the int8 TFLite model of the second part named in the manifest's
/// pooling section; nothing is written when the int8 model falls short of the gate.
/// </summary>
public static class PooledModelCompilation
{
    /// <summary>The int8 TFLite model of the part after the pooling, inside a compiled pooled package.</summary>
    public const string AfterTfliteFile = "after-pooling_int8.tflite";

    /// <summary>The stages in order, into <paramref name="staging"/>; false when the int8 part falls short (nothing is published then).</summary>
    /// <exception cref="GraphException">Compression was asked for (not done for a pooled model), or the graph cannot be cut at its pooling.</exception>
    /// <exception cref="InvalidDataException">No usable reads, or none left to verify on.</exception>
    public static async Task<bool> CompileAsync(ModelSource source, CompileSettings settings, string staging, TextWriter output, TextWriter errors,
        CancellationToken cancellationToken)
    {
        var inv = CultureInfo.InvariantCulture;
        var manifest = source.Manifest;
        if (settings.Compression is not null)
            throw new GraphException($"model '{manifest.Name}' pools dynamically: dipper compile does not compress a pooled model yet (--prune, --factorize); compile it without");
        var window = manifest.Pooling!.Window;
        Directory.CreateDirectory(staging);
        // The float parts as the one writer of pooled packages writes them, from the graph calibration and verification see.
        var (pooled, split) = await PooledPackage.WritePartsAsync(staging, FoldStage.Run(source.Graph), manifest, window, cancellationToken);
        var pooling = pooled.Pooling!;
        await output.WriteLineAsync(string.Create(inv,
            $"dipper compile: {manifest.Name} from {settings.Model} pools dynamically: the part before the pooling stays float ONNX ({split.Before.ParameterCount:N0} parameters, run on the host); " +
            $"the part after it ({split.After.ParameterCount:N0} parameters) is quantised: batch {settings.Batch} × {window.Samples} pooled frames of {pooling.Features} features"));

        var set = await CalibrateStage.LoadReadsAsync(settings.Calibration, manifest, settings.Set with { KeepWholeReads = true }, cancellationToken);
        await output.WriteLineAsync($"calibration set: {set.WholeReads.Count} reads to calibrate on, {set.HeldOut.Count} more reads held out for verification ({set.Files.Count} files)");
        CalibrateStage.ReportProblems(set, "dipper compile", errors);
        if (set.HeldOut.Count == 0)
            throw new InvalidDataException("no reads were left to verify on; give more reads or fewer --calibration-chunks");

        var windows = PoolReads(staging, settings, pooled, set, output, cancellationToken);
        var calibrated = CalibrateStage.RunOnPooledWindows(split.After, windows.Windows, pooling.Features, settings, output, cancellationToken);
        var int8 = QuantiseStage.Run(calibrated, window.Samples, settings).Int8;
        var tflite = TfliteExporter.Export(int8, $"{manifest.Name} after pooling int8");
        await File.WriteAllBytesAsync(Path.Combine(staging, AfterTfliteFile), tflite, cancellationToken);
        var files = pooled.Files with { Sha256 = new Dictionary<string, string>(pooled.Files.Sha256) { [AfterTfliteFile] = ModelSource.Sha256(tflite) } };

        var report = new CompileReport(manifest.Name, settings.Model, settings.Output, ModelCompilation.TargetText(settings));
        report.Line($"- passes (part after the pooling): {string.Join(", ", CompileProvenance.PassNames(settings))}; the part before the pooling stays float ONNX: " +
            $"one convolution at every sample and a 1×1 head, cheap on the CPU, {pooling.Features + 2} values per sample out, and the pooling needs float positions");
        report.Line(string.Create(inv, $"- calibration: {windows.Windows.Count} windows of {window.Samples} pooled frames from {set.WholeReads.Count} reads, each read run whole through the float part before the pooling and pooled on the host; " +
            $"{set.HeldOut.Count} more reads held out for verification ({set.Files.Count} files); activation ranges by {CompileProvenance.DescribeRanges(settings)}"));
        report.Line($"- int8 input {int8.InputTensor.Quantisation!.Parameters} (the pooled features' calibrated range); output {int8.OutputTensor.Quantisation!.Parameters}" +
            (int8.OutputIsLogits ? " (class scores: the engine applies the log-softmax)" : " (log-probabilities: LOG_SOFTMAX in the graph)"));
        (var compiler, files) = await EdgeTpuStage.RunAsync(staging, files, settings, cancellationToken, AfterTfliteFile);
        report.EdgeTpu(EdgeTpuCheck.Of(int8), compiler, int8);
        report.EdgeTpuEstimate(EdgeTpuCostModel.Estimate(int8));
        report.Line();
        report.Line(string.Create(inv, $"For this part the \"samples\" above are pooled frames, about {manifest.Stride} signal samples each; the part before the pooling and the pooling run on the host's CPU and are not in the estimate."));
        if (EdgeTpuStage.Shortfall(settings, compiler) is { } shortfall)
        {
            await output.WriteAsync(report.ToString());
            await errors.WriteLineAsync($"dipper compile: {shortfall}");
            return false;
        }

        var agreement = VerifyStage.RunPooled(staging, settings, pooled, windows.HeldOut, AfterTfliteFile, int8.OutputIsLogits, output, cancellationToken);
        var passed = VerifyStage.Meets(agreement, settings);
        report.Agreements([agreement], settings.MinIdentity, settings.MinFrameAgreement, agreement.Engine);
        report.Line("Both sides run the float part before the pooling and the host's pooling over each whole read; they differ in the part after it only.");
        report.Line();
        report.Line(passed ? $"Verdict: {agreement.Engine} passes; package written." : $"Verdict: {agreement.Engine} falls short; no package written.");
        await output.WriteLineAsync();
        await output.WriteAsync(report.ToString());
        if (!passed)
        {
            await errors.WriteLineAsync(VerifyStage.Shortfall(agreement, settings));
            return false;
        }

        var provenance = CompileProvenance.Of(source, settings, set, int8);
        // Calibrated on windows of pooled frames, not on the signal chunks a model without pooling is calibrated on.
        var calibration = new Dictionary<string, object>(CalibrateStage.Summary(set))
        {
            ["pooledWindows"] = windows.Windows.Count,
            ["heldOutReads"] = set.HeldOut.Select(r => r.ReadId).ToArray(),
            ["ranges"] = CompileProvenance.DescribeRanges(settings),
        };
        calibration.Remove("chunks");
        provenance["calibration"] = JsonSerializer.SerializeToElement(calibration);
        provenance["quantised"] = JsonSerializer.SerializeToElement(
            $"the part after the pooling ({AfterTfliteFile}); the part before it stays float ONNX ({pooling.Before.Onnx}), as does the pooling on the host");
        provenance["edgeTpuModel"] = JsonSerializer.SerializeToElement(EdgeTpuStage.Provenance(compiler));
        provenance["agreement"] = VerifyStage.Provenance([agreement]);
        var compiled = pooled with
        {
            Files = files with { TfliteEdgeTpu = null },
            Pooling = pooling with
            {
                After = pooling.After with
                {
                    Tflite = AfterTfliteFile,
                    TfliteInput = ExportStage.TensorInfo(int8.InputTensor),
                    TfliteOutput = ExportStage.TensorInfo(int8.OutputTensor),
                    TfliteOutputIsLogits = int8.OutputIsLogits,
                    TfliteEdgeTpu = files.TfliteEdgeTpu,
                },
                Window = window with { Batch = settings.Batch },
            },
            Provenance = provenance,
        };
        ModelPackage.WriteManifest(staging, compiled);
        await File.WriteAllTextAsync(Path.Combine(staging, ModelCompilation.ReportFile), report.ToString(), cancellationToken);
        return true;
    }

    /// <summary>The calibration and held-out reads through the float part before the pooling (ONNX Runtime, as the appliance runs it), pooled.</summary>
    private static PooledCalibration PoolReads(string staging, CompileSettings settings, ModelManifest pooled, CalibrationSet set, TextWriter output,
        CancellationToken cancellationToken)
    {
        using var before = new OnnxRuntimeEngine(Path.Combine(staging, pooled.Pooling!.Before.Onnx), NetworkTensors.BeforePooling(pooled),
            new InferenceEngineOptions { Threads = settings.Threads, Batch = settings.Batch });
        var progress = new ProgressLine(output, "pooling (float part before the pooling, then the host's pooling)", set.WholeReads.Count + set.HeldOut.Count, "reads");
        var windows = PooledCalibration.Make(before, pooled, set, settings.Set, progress, cancellationToken);
        output.WriteLine($"pooled windows: {windows.Windows.Count} of {pooled.Pooling.Window.Samples} frames to calibrate on, {windows.HeldOut.Count} held-out reads pooled whole");
        return windows;
    }
}
