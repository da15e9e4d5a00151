using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Dipper.Basecaller.Models;
using Dipper.Compiler.Compilation;
using Dipper.Compiler.Export;
using Dipper.Compiler.Graph;
using Dipper.Compiler.Import;
using Dipper.Compiler.Passes;
using Dipper.Compiler.Passes.Pooling;

namespace Dipper.Compiler.Commands;

/// <summary>
/// <c>dipper pool --model M -o PACKAGE [--window FRAMES] [--window-overlap FRAMES] [--seed N]</c>: the dynamic-pooling
/// variant of a model (issue seeds §1; <see cref="DynamicPoolingStem"/>): its strided first layer at stride 1, followed by
/// a logits head and dynamic pooling, initialised to pool by the old stride. Written as a pooled package (the parts
/// before and after the pooling as float ONNX models, <see cref="PoolingSettings"/> in the manifest) that
/// <c>dipperd basecall --model PACKAGE</c> runs. Not trained: the provenance says so.
/// </summary>
public static class PoolCommand
{
    /// <summary>Pooled frames per window of the part after the pooling: the 600 frames a 1800-sample chunk gives at stride 3.</summary>
    public const int DefaultWindow = 600;

    /// <summary>
    /// Pooled frames consecutive windows share: 150 trimmed from each inner edge, more than the default model's receptive field
    /// after its first layer (5 blocks of 5 k11 layers, a k11 and a k7 layer: 133 frames each side), so every kept frame sees
    /// all the context it would see in the whole read.
    /// </summary>
    public const int DefaultWindowOverlap = 300;

    /// <summary>File of the part before the pooling in the package.</summary>
    public const string BeforeFile = "before-pooling.onnx";

    /// <summary>File of the part after the pooling in the package.</summary>
    public const string AfterFile = "after-pooling.onnx";

    /// <summary>Everything the command was asked to do.</summary>
    /// <param name="Model">Checkpoint, ONNX file with its manifest, or package folder of a model without pooling.</param>
    /// <param name="Output">Package folder to write.</param>
    /// <param name="Window">Pooled frames per window of the part after the pooling.</param>
    /// <param name="WindowOverlap">Pooled frames consecutive windows share.</param>
    /// <param name="Seed">Seed of the logits head's small initial weights.</param>
    /// <param name="PoolBy">Samples per pooled frame on average (null: the old stride); the manifest's stride becomes it.</param>
    public sealed record Request(string Model, string Output, int Window = DefaultWindow, int WindowOverlap = DefaultWindowOverlap, ulong Seed = 1,
        int? PoolBy = null);

    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "PyTorch checkpoint (.pth), ONNX file with its manifest.json beside it, or model package folder", Required = true };
        var output = new Option<string>("--output", "-o") { Description = "Package folder to write (files it holds are replaced)", Required = true };
        var window = new Option<int>("--window") { Description = "Pooled frames per window of the part after the pooling", DefaultValueFactory = _ => DefaultWindow };
        var overlap = new Option<int>("--window-overlap") { Description = "Pooled frames consecutive windows share (half trimmed from each side)", DefaultValueFactory = _ => DefaultWindowOverlap };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the pooling head's small initial weights", DefaultValueFactory = _ => 1UL };
        var poolBy = new Option<int?>("--pool-by")
        {
            Description = "Samples per pooled frame on average, which training holds (default: the strided layer's stride); more gives fewer frames to compute",
        };
        var command = new Command("pool",
            "Make the dynamic-pooling variant of a model (its strided first layer at stride 1, then learnt pooling, initialised to the old stride); write a pooled float ONNX package (untrained)")
        {
            model, output, window, overlap, seed, poolBy,
        };
        command.SetAction(async (result, ct) =>
            await RunAsync(new Request(result.GetValue(model)!, result.GetValue(output)!, result.GetValue(window), result.GetValue(overlap), result.GetValue(seed),
                result.GetValue(poolBy)),
                Console.Out, Console.Error, ct));
        return command;
    }

    /// <summary>Writes the pooled package; 0 when written, 1 when the model is unusable, 2 for windows that cannot cut pooled reads.</summary>
    public static async Task<int> RunAsync(Request request, TextWriter output, TextWriter errors, CancellationToken cancellationToken)
    {
        var windows = new ChunkSettings { Samples = request.Window, Overlap = request.WindowOverlap };
        if (windows.Problem(1) is { } problem)
        {
            await errors.WriteLineAsync($"dipper pool: --window {request.Window} --window-overlap {request.WindowOverlap}: {problem}");
            return Basecaller.CommandLine.CommandLineRunner.UsageError;
        }
        if (request.PoolBy is < 1)
        {
            await errors.WriteLineAsync($"dipper pool: --pool-by {request.PoolBy}: a pooled frame takes at least 1 sample on average");
            return Basecaller.CommandLine.CommandLineRunner.UsageError;
        }
        var staging = PublishStage.StagingFolder(request.Output);
        try
        {
            var source = await ImportStage.RunAsync(request.Model, cancellationToken);
            if (source.Manifest.Pooling is not null) throw new GraphException($"{request.Model} already pools");
            var samplesPerFrame = request.PoolBy ?? source.Manifest.Stride;
            // The chunks of the signal and their overlap must still be whole numbers of (mean) frames.
            if (source.Manifest.Chunk.Problem(samplesPerFrame) is { } chunkProblem)
                throw new GraphException($"--pool-by {samplesPerFrame}: {chunkProblem}");
            var pooled = DynamicPoolingStem.Apply(FoldStage.Run(source.Graph), request.Seed, out var rewrite, request.PoolBy);
            Directory.CreateDirectory(staging);
            var (parts, split) = await PooledPackage.WritePartsAsync(staging, pooled, source.Manifest with { Stride = samplesPerFrame }, windows, cancellationToken);
            var manifest = parts with { Provenance = Provenance(source, rewrite, split, pooled.ParameterCount) };
            ModelPackage.WriteManifest(staging, manifest);
            await File.WriteAllTextAsync(Path.Combine(staging, ModelCompilation.ReportFile), Report(request, source, rewrite, split, windows), cancellationToken);
            PublishStage.Run(staging, request.Output);
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"dipper pool: {manifest.Name}: '{rewrite.Stem}' at stride 1 (was {rewrite.OldStride}), then dynamic pooling (move {rewrite.InitialMove:0.###}); " +
                $"{pooled.ParameterCount:N0} parameters; untrained; package written to {request.Output}"));
            return 0;
        }
        catch (Exception e) when (e is CheckpointFormatException or GraphException or InvalidDataException or FileNotFoundException
                                       or IOException or UnauthorizedAccessException)
        {
            await errors.WriteLineAsync($"dipper pool: {e.Message}");
            return 1;
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
    }

    /// <summary>
    /// The source's provenance with the rewrite: the chunking of the signal stays (the part before the pooling runs on the
    /// same chunks), the stride stays as the mean samples per pooled frame.
    /// </summary>
    private static Dictionary<string, JsonElement> Provenance(ModelSource source, DynamicPoolingStem.Rewrite rewrite, PooledModelSplit split, long parameters)
    {
        return new Dictionary<string, JsonElement>(source.Provenance)
        {
            ["compiler"] = JsonSerializer.SerializeToElement("dipper pool"),
            ["passes"] = JsonSerializer.SerializeToElement(new[] { FoldBatchNorm.PassName, DynamicPoolingStem.PassName }),
            ["parameters"] = JsonSerializer.SerializeToElement(parameters),
            ["pooling"] = JsonSerializer.SerializeToElement(new Dictionary<string, object>
            {
                ["stem"] = rewrite.Stem,
                ["strideBefore"] = rewrite.OldStride,
                ["strideNow"] = 1,
                ["stemWeights"] = $"copied from the stride-{rewrite.OldStride} layer",
                ["features"] = rewrite.Features,
                ["head"] = $"{DynamicPoolingStem.HeadName}: Conv1d {split.Features}→2, k1; weights {DynamicPoolingStem.HeadWeightScale} × uniform[−1, 1) (seed {rewrite.Seed}), " +
                           "bias σ⁻¹ of the initial weight and move",
                ["initialWeight"] = rewrite.InitialWeight,
                ["initialMove"] = rewrite.InitialMove,
                ["scale"] = split.Scale,
                ["trained"] = false,
            }),
        };
    }

    private static string Report(Request request, ModelSource source, DynamicPoolingStem.Rewrite rewrite, PooledModelSplit split, ChunkSettings windows) =>
        new StringBuilder()
            .AppendLine($"# dipper pool: {source.Manifest.Name}").AppendLine()
            .AppendLine($"- source: {request.Model}")
            .AppendLine($"- package: {request.Output} (float ONNX, two parts; **untrained**: train it before trusting its calls)")
            .AppendLine($"- `{rewrite.Stem}` at stride 1 (was {rewrite.OldStride}), its weights kept; its activation `{rewrite.Features}` is pooled")
            .AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"- `{DynamicPoolingStem.HeadName}`: 1×1 Conv1d {split.Features}→2; initial weight {rewrite.InitialWeight:0.###}, move {rewrite.InitialMove:0.###} (r = {split.Scale})"))
            .AppendLine($"- `{BeforeFile}`: signal [batch, 1, {source.Manifest.Chunk.Samples}] → `{PooledModelSplit.FramesOutput}` [batch, samples, {split.Features} features + 2 logits]")
            .AppendLine($"- the host pools over the whole read, then cuts windows of {windows.Samples} pooled frames overlapping by {windows.Overlap}")
            .AppendLine($"- `{AfterFile}`: `{PooledModelSplit.PooledInput}` [batch, {windows.Samples}, {split.Features}] → `{split.After.Outputs[0].Name}`")
            .ToString();
}
