using System.Text.Json;
using Dipper.Basecaller.Decoding;
using Dipper.Basecaller.Inference;
using Dipper.Basecaller.Models;
using Dipper.Basecaller.Pipeline;
using Dipper.Compiler.Calibration;
using Dipper.Compiler.Commands;
using Dipper.Compiler.Verification;
using Dipper.Tpu.Engines;

namespace Dipper.Compiler.Compilation;

/// <summary>
/// verify: runs each compiled model with its real runtime (TFLite, ONNX Runtime) on the held-out reads
/// and compares it with the float model run by ONNX Runtime. The target's model is the gate: below the
/// thresholds no package is written.
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

    /// <summary>The target's model (int8 TFLite for the Edge TPU, int8 ONNX for the CPU) and whether it meets the thresholds.</summary>
    public static (Agreement Gate, bool Passed) Gate(IReadOnlyList<Agreement> agreements, CompileSettings settings)
    {
        var gate = agreements[settings.Target == CompileTarget.EdgeTpu ? 0 : 1];
        return (gate, gate.BasecallIdentity >= settings.MinIdentity && gate.FrameAgreement >= settings.MinFrameAgreement);
    }

    /// <summary>The agreements as the manifest's provenance records them, rounded to what was measured.</summary>
    public static JsonElement Provenance(IEnumerable<Agreement> agreements) =>
        JsonSerializer.SerializeToElement(agreements.ToDictionary(a => a.Engine, a => new Dictionary<string, double>
        {
            ["reads"] = a.Reads,
            ["frames"] = a.Frames,
            ["frameAgreement"] = Math.Round(a.FrameAgreement, 5),
            ["basecallIdentity"] = Math.Round(a.BasecallIdentity, 5),
            ["lowestReadIdentity"] = Math.Round(a.LowestReadIdentity, 5),
            ["maxAbsLogProbError"] = Math.Round(a.MaxAbsLogProbError, 4),
            ["meanAbsLogProbError"] = Math.Round(a.MeanAbsLogProbError, 5),
        }));
}
