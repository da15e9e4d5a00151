using System.CommandLine;
using Dipper.Compiler.Calibration;
using Dipper.Compiler.Compilation;
using Dipper.Compiler.Graph;
using Dipper.Compiler.Import;
using Dipper.Compiler.Passes;
using Dipper.Compiler.Passes.Merging;

namespace Dipper.Compiler.Commands;

/// <summary>
/// <c>dipper merge A B -o C --calibration DIR</c>: merges two models of one architecture, trained from different
/// seeds, into one of the same size by choosing channels from each (<see cref="NetworkMerge"/>, no training), and writes
/// it as a float ONNX package that <c>dipper finetune</c>, <c>dipper compile</c> and <c>dipperd basecall</c> take.
/// </summary>
public static class MergeCommand
{
    /// <summary>Everything the command was asked to do.</summary>
    /// <param name="First">Model A: package folder, ONNX file beside its manifest, or checkpoint; its manifest and names go to the output.</param>
    /// <param name="Second">Model B, of A's architecture.</param>
    /// <param name="Calibration">Signal files or folders the selection and refit run on (no reference needed).</param>
    /// <param name="Output">Package folder to write.</param>
    /// <param name="Chunks">Calibration chunks.</param>
    /// <param name="ChunksPerRead">At most this many chunks from one read.</param>
    /// <param name="Ridge">The refit's damping, a fraction of mean(diag XᵀX).</param>
    /// <param name="Threads">Threads.</param>
    public sealed record Request(string First, string Second, IReadOnlyList<string> Calibration, string Output,
        int Chunks = MergeOptions.DefaultCalibrationChunks, int ChunksPerRead = 4, double Ridge = MergeOptions.DefaultRidge, int Threads = 2);

    /// <summary>The pass name recorded in the output's provenance.</summary>
    public const string PassName = "merge-channel-selection";

    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var first = new Argument<string>("A") { Description = "First model (package folder, ONNX beside its manifest, or .pth); the merged package takes its manifest" };
        var second = new Argument<string>("B") { Description = "Second model, of the same architecture (another seed)" };
        var output = new Option<string>("--output", "-o") { Description = "Package folder to write (files it holds are replaced)", Required = true };
        var calibration = new Option<string[]>("--calibration", "-c")
        {
            Description = "Signal files or folders (POD5, FAST5, SLOW5, BLOW5) to choose channels and refit on; no reference needed",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var chunks = new Option<int>("--merge-chunks") { Description = "Calibration chunks", DefaultValueFactory = _ => MergeOptions.DefaultCalibrationChunks };
        var perRead = new Option<int>("--chunks-per-read") { Description = "At most this many calibration chunks from one read", DefaultValueFactory = _ => 4 };
        var ridge = new Option<double>("--ridge") { Description = "Refit damping as a fraction of the mean input energy", DefaultValueFactory = _ => MergeOptions.DefaultRidge };
        var threads = new Option<int>("--threads") { Description = "Threads", DefaultValueFactory = _ => Math.Max(1, Environment.ProcessorCount) };
        var command = new Command("merge",
            "Merge two models of one architecture (different seeds) into one of the same size: concatenate, keep the channels that matter, refit by least squares; write a float ONNX package")
        {
            first, second, output, calibration, chunks, perRead, ridge, threads,
        };
        TrainingArguments.AtLeast(chunks, 1);
        TrainingArguments.AtLeast(perRead, 1);
        TrainingArguments.AtLeast(threads, 1);
        ridge.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<double>() is not (> 0 and < 1)) result.AddError($"{ridge.Name} must be in (0, 1)");
        });
        command.SetAction(async (result, ct) =>
        {
            var request = new Request(result.GetValue(first)!, result.GetValue(second)!, result.GetValue(calibration)!, result.GetValue(output)!,
                result.GetValue(chunks), result.GetValue(perRead), result.GetValue(ridge), result.GetValue(threads));
            return await RunAsync(request, Console.Out, Console.Error, ct);
        });
        return command;
    }

    /// <summary>Merges and writes the package; 0 when written, 1 when an input was unusable (nothing is written then).</summary>
    public static async Task<int> RunAsync(Request request, TextWriter output, TextWriter errors, CancellationToken cancellationToken)
    {
        try
        {
            var a = await ModelSource.LoadAsync(request.First, cancellationToken);
            var b = await ModelSource.LoadAsync(request.Second, cancellationToken);
            a.RefusePooled("dipper merge");
            b.RefusePooled("dipper merge");
            var (ma, mb) = (a.Manifest, b.Manifest);
            if (ma.Alphabet != mb.Alphabet || ma.Stride != mb.Stride || ma.Chunk.Samples != mb.Chunk.Samples || ma.Normalisation != mb.Normalisation)
                throw new InvalidDataException($"{request.Second}: its alphabet, stride, chunk or normalisation differ from {request.First}'s; " +
                    "a merge joins two trainings of one model");
            var set = await CalibrateStage.LoadReadsAsync(request.Calibration, ma,
                new CalibrationSetOptions { CalibrationChunks = request.Chunks, ChunksPerRead = request.ChunksPerRead, VerificationReads = 0 },
                cancellationToken);
            CalibrateStage.ReportProblems(set, "dipper merge", errors);
            if (set.Chunks.Count == 0) throw new InvalidDataException("no calibration chunk could be read from " + string.Join(", ", request.Calibration));
            await output.WriteLineAsync($"dipper merge: {request.First} + {request.Second}: {a.Graph.ParameterCount:N0} parameters each; " +
                $"{set.Chunks.Count} chunks from {set.CalibrationReads} reads ({set.Files.Count} files)");
            var options = new MergeOptions { Ridge = request.Ridge, Threads = request.Threads };
            var merged = NetworkMerge.Apply(FoldBatchNorm.Apply(a.Graph), FoldBatchNorm.Apply(b.Graph), set.Chunks, options, cancellationToken);
            foreach (var line in MergeProvenance.Lines(merged)) await output.WriteLineAsync($"  {line}");
            await TrainedPackage.WriteAsync(a, merged.Graph, "dipper merge", PassName, "merge",
                MergeProvenance.ToJson(request, a, b, set, merged), MergeProvenance.Report(request, set, merged), request.Output, cancellationToken);
            await output.WriteLineAsync($"dipper merge: package written to {request.Output}");
            return 0;
        }
        catch (Exception e) when (e is CheckpointFormatException or GraphException or InvalidDataException or FileNotFoundException
                                       or IOException or UnauthorizedAccessException)
        {
            await errors.WriteLineAsync($"dipper merge: {e.Message}");
            return 1;
        }
    }
}
