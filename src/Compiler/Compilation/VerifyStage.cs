using System.Text.Json;
using Dipper.Basecaller.Decoding;
using Dipper.Basecaller.Inference;
using Dipper.Basecaller.Models;
using Dipper.Basecaller.Pipeline;
using Dipper.Compiler.Calibration;
using Dipper.Compiler.Commands;
using Dipper.Compiler.Graph.Lowered;
using Dipper.Compiler.Quantisation;
using Dipper.Compiler.Verification;
using Dipper.Tpu.Engines;

namespace Dipper.Compiler.Compilation;

/// <summary>
/// verify: runs each compiled model with its real runtime (TFLite, ONNX Runtime) on the held-out reads
/// and compares it with the float model run by ONNX Runtime. The target's model is the gate: below the
/// thresholds no package is written. Then, reported only, the int8 TFLite model as the appliance's arm64 CPU
/// computes it (<see cref="Arm64"/>).
/// </summary>
public static class VerifyStage
{
    /// <summary>int8 TFLite, int8 ONNX and float TFLite, each against float ONNX, on the held-out reads.</summary>
    /// <param name="staging">The staging folder, holding the exported files and a manifest naming them.</param>
    /// <param name="settings">Threads, batch.</param>
    /// <param name="manifest">The source model's manifest: chunking, alphabet.</param>
    /// <param name="set">The held-out reads.</param>
    /// <param name="outputIsLogits">The TFLite models end at class scores, so the log-softmax is applied on the host.</param>
    /// <param name="output">Progress and one line per model.</param>
    /// <param name="cancellationToken">Stops verification.</param>
    public static List<Agreement> Run(string staging, CompileSettings settings, ModelManifest manifest, CalibrationSet set,
        bool outputIsLogits, TextWriter output, CancellationToken cancellationToken)
    {
        var layout = ChunkLayout.From(manifest);
        var alphabet = new CtcAlphabet(manifest.Alphabet, manifest.Blank);
        var options = new InferenceEngineOptions { Threads = settings.Threads, Batch = settings.Batch };
        // The ONNX exporters name the tensors as ModelFiles' defaults say; the model files are given by path.
        var exported = manifest with { Files = new ModelFiles() };
        using var reference = new OnnxRuntimeEngine(Path.Combine(staging, ModelCompilation.OnnxFile), exported, options);
        var results = new List<Agreement>();
        Agreement Run(string name, IInferenceEngine candidate)
        {
            var progress = new ProgressLine(output, $"verification ({name})", set.HeldOut.Count, "reads");
            var agreement = ModelVerifier.Compare(name, reference, candidate, layout, alphabet, set.HeldOut, progress, cancellationToken);
            output.WriteLine(agreement);
            return agreement;
        }
        // The TFLite engine applies the host log-softmax itself, as the appliance's does.
        var tfliteOptions = new TfliteEngineOptions { Threads = settings.Threads, MaxBatch = settings.Batch, OutputIsLogits = outputIsLogits };
        using (var int8 = TfliteEngine.FromFile(Path.Combine(staging, ModelCompilation.TfliteFile), tfliteOptions))
            results.Add(Run($"tflite {ModelCompilation.TfliteFile}", int8));
        using (var onnxInt8 = new OnnxRuntimeEngine(Path.Combine(staging, ModelCompilation.OnnxInt8File), exported, options))
            results.Add(Run($"onnx {ModelCompilation.OnnxInt8File}", onnxInt8));
        using (var floatTflite = TfliteEngine.FromFile(Path.Combine(staging, ModelCompilation.TfliteFloatFile), tfliteOptions))
            results.Add(Run($"tflite {ModelCompilation.TfliteFloatFile}", floatTflite));
        return results;
    }

    /// <summary>
    /// The int8 TFLite model as the appliance's CPU computes it (TFLite's arm64 kernels, through the managed reference,
    /// <see cref="Arm64Check"/>) on the held-out reads within <see cref="CompileSettings.Arm64Chunks"/>, against the float
    /// model and the x86-64 int8 model. Reported, not gated on. Null when the budget is 0 or no read fits it.
    /// </summary>
    /// <param name="staging">The staging folder, holding the exported files.</param>
    /// <param name="settings">Threads, batch, the chunk budget.</param>
    /// <param name="manifest">The source model's manifest: chunking, alphabet.</param>
    /// <param name="set">The held-out reads.</param>
    /// <param name="int8">The quantised graph the int8 TFLite model was exported from.</param>
    /// <param name="output">Progress and the two lines.</param>
    /// <param name="cancellationToken">Stops verification.</param>
    public static Arm64Agreement? Arm64(string staging, CompileSettings settings, ModelManifest manifest, CalibrationSet set, LoweredGraph int8,
        TextWriter output, CancellationToken cancellationToken)
    {
        var layout = ChunkLayout.From(manifest);
        var reads = Arm64Check.Within(set.HeldOut, layout, settings.Arm64Chunks);
        if (reads.Count == 0)
        {
            output.WriteLine($"{Arm64Check.Label}: not measured (no held-out read fits --arm64-chunks {settings.Arm64Chunks})");
            return null;
        }
        var alphabet = new CtcAlphabet(manifest.Alphabet, manifest.Blank);
        var options = new InferenceEngineOptions { Threads = settings.Threads, Batch = settings.Batch };
        using var floatModel = new OnnxRuntimeEngine(Path.Combine(staging, ModelCompilation.OnnxFile), manifest with { Files = new ModelFiles() }, options);
        using var x86 = TfliteEngine.FromFile(Path.Combine(staging, ModelCompilation.TfliteFile),
            new TfliteEngineOptions { Threads = settings.Threads, MaxBatch = settings.Batch, OutputIsLogits = int8.OutputIsLogits });
        using var arm64 = new Int8ReferenceEngine("int8 reference (arm64)", int8, TieRounding.TruncatedHighMultiplyUpward, settings.Threads);
        var progress = new ProgressLine(output, "verification (arm64, managed reference)", reads.Count, "reads");
        var agreement = Arm64Check.Compare(floatModel, x86, arm64, layout, alphabet, reads, settings.Arm64Chunks, progress, cancellationToken)!;
        output.WriteLine($"{agreement.WithFloat} against the float model");
        output.WriteLine($"{agreement.WithX86Int8} against x86-64 {ModelCompilation.TfliteFile}");
        return agreement;
    }

    /// <summary>The arm64 figures as the manifest's provenance records them (<c>arm64</c>), rounded as <see cref="Provenance"/> rounds.</summary>
    public static JsonElement Arm64Provenance(Arm64Agreement agreement) => JsonSerializer.SerializeToElement(new Dictionary<string, object>
    {
        ["computedBy"] = Arm64Check.Label,
        ["chunks"] = agreement.Chunks,
        ["maxChunks"] = agreement.MaxChunks,
        ["againstFloat"] = Measures(agreement.WithFloat),
        ["againstX86Int8"] = Measures(agreement.WithX86Int8),
    });

    /// <summary>The target's model (int8 TFLite for the Edge TPU, int8 ONNX for the CPU) and whether it meets the thresholds.</summary>
    public static (Agreement Gate, bool Passed) Gate(IReadOnlyList<Agreement> agreements, CompileSettings settings)
    {
        var gate = agreements[settings.Target == CompileTarget.EdgeTpu ? 0 : 1];
        return (gate, Meets(gate, settings));
    }

    /// <summary>Whether <paramref name="gate"/> meets the compile's thresholds (basecall identity and frame agreement).</summary>
    public static bool Meets(Agreement gate, CompileSettings settings) =>
        gate.BasecallIdentity >= settings.MinIdentity && gate.FrameAgreement >= settings.MinFrameAgreement;

    /// <summary>What a compile whose gate model falls short says on the error stream (nothing is written).</summary>
    public static string Shortfall(Agreement gate, CompileSettings settings) => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"dipper compile: {gate.Engine} does not agree closely enough with the float model: basecall identity {gate.BasecallIdentity:P2} (need {settings.MinIdentity:P1}), frame agreement {gate.FrameAgreement:P2} (need {settings.MinFrameAgreement:P1}); no package written");

    /// <summary>
    /// The int8 TFLite model of a pooled model's part after the pooling against its float ONNX model, on the held-out reads as
    /// the float part before the pooling and the host's pooling give them to it (<see cref="PooledCalibration.HeldOut"/>), cut
    /// into the manifest's windows and stitched as the appliance does. The part before the pooling and the pooling are the
    /// same float computation in the float and the int8 split pipelines, so this compares the two pipelines' outputs, with
    /// the measures every compile is gated on (<see cref="ModelVerifier"/>).
    /// </summary>
    /// <param name="staging">The staging folder, holding the parts.</param>
    /// <param name="settings">Threads, batch.</param>
    /// <param name="manifest">The pooled manifest naming the float parts: windows, alphabet.</param>
    /// <param name="pooledReads">The held-out reads' pooled frames.</param>
    /// <param name="tfliteFile">The int8 TFLite file of the part after the pooling, in <paramref name="staging"/>.</param>
    /// <param name="outputIsLogits">The TFLite model ends at class scores, so the log-softmax is applied on the host.</param>
    /// <param name="output">Progress and the line.</param>
    /// <param name="cancellationToken">Stops verification.</param>
    public static Agreement RunPooled(string staging, CompileSettings settings, ModelManifest manifest, IReadOnlyList<HeldOutRead> pooledReads,
        string tfliteFile, bool outputIsLogits, TextWriter output, CancellationToken cancellationToken)
    {
        var pooling = manifest.Pooling ?? throw new ArgumentException($"model '{manifest.Name}' has no dynamic pooling", nameof(manifest));
        var options = new InferenceEngineOptions { Threads = settings.Threads, Batch = settings.Batch };
        using var reference = new OnnxRuntimeEngine(Path.Combine(staging, pooling.After.Onnx), NetworkTensors.AfterPooling(manifest), options);
        using var int8 = TfliteEngine.FromFile(Path.Combine(staging, tfliteFile),
            new TfliteEngineOptions { Threads = settings.Threads, MaxBatch = settings.Batch, OutputIsLogits = outputIsLogits });
        var name = $"tflite {tfliteFile}";
        var progress = new ProgressLine(output, $"verification ({name}, pooled windows)", pooledReads.Count, "reads");
        var agreement = ModelVerifier.Compare(name, reference, int8, ChunkLayout.AfterPooling(manifest), new CtcAlphabet(manifest.Alphabet, manifest.Blank),
            pooledReads, progress, cancellationToken);
        output.WriteLine(agreement);
        return agreement;
    }

    /// <summary>The agreements as the manifest's provenance records them, rounded to what was measured.</summary>
    public static JsonElement Provenance(IEnumerable<Agreement> agreements) =>
        JsonSerializer.SerializeToElement(agreements.ToDictionary(a => a.Engine, Measures));

    private static Dictionary<string, double> Measures(Agreement a) => new()
    {
        ["reads"] = a.Reads,
        ["frames"] = a.Frames,
        ["frameAgreement"] = Math.Round(a.FrameAgreement, 5),
        ["basecallIdentity"] = Math.Round(a.BasecallIdentity, 5),
        ["lowestReadIdentity"] = Math.Round(a.LowestReadIdentity, 5),
        ["maxAbsLogProbError"] = Math.Round(a.MaxAbsLogProbError, 4),
        ["meanAbsLogProbError"] = Math.Round(a.MeanAbsLogProbError, 5),
    };
}
