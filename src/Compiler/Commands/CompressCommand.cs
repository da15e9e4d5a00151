using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Dipper.Basecaller.Models;
using Dipper.Compiler.Calibration;
using Dipper.Compiler.Compilation;
using Dipper.Compiler.Export;
using Dipper.Compiler.Graph;
using Dipper.Compiler.Import;
using Dipper.Compiler.Passes;
using Dipper.Compiler.Passes.Compression;

namespace Dipper.Compiler.Commands;

/// <summary>
/// <c>dipper compress --model M --calibration DIR -o PACKAGE --prune METHOD|--factorize dsf --sparsity S [--nm N:M]</c>:
/// prunes or factorises every layer on real reads and writes a float-only package (model.onnx of the
/// compressed graph, its manifest with the compression provenance, report.md) that
/// <c>dipperd basecall --model PACKAGE</c> runs on the CPU. No quantisation and no verification:
/// it exists so accuracy can be measured over many methods and sparsities quickly; <c>dipper compile</c>
/// with the same options makes the deployable package.
/// </summary>
public static class CompressCommand
{
    /// <summary>Everything the command was asked to do.</summary>
    /// <param name="Model">Checkpoint, ONNX file with its manifest, or package folder.</param>
    /// <param name="Calibration">Signal files or folders to calibrate the layers on.</param>
    /// <param name="Output">Package folder to write.</param>
    /// <param name="Compression">Method and sparsity.</param>
    /// <param name="Chunks">Calibration chunks.</param>
    /// <param name="ChunksPerRead">At most this many chunks from one read.</param>
    public sealed record Request(string Model, IReadOnlyList<string> Calibration, string Output, ModelCompressionOptions Compression,
        int Chunks = ModelCompressionOptions.DefaultCalibrationChunks, int ChunksPerRead = 4);

    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "PyTorch checkpoint (.pth), ONNX file with its manifest.json beside it, or model package folder", Required = true };
        var calibration = new Option<string[]>("--calibration", "-c")
        {
            Description = "Signal files or folders (POD5, FAST5, SLOW5, BLOW5) to calibrate the layers on",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var output = new Option<string>("--output", "-o") { Description = "Package folder to write (files it holds are replaced)", Required = true };
        var perRead = new Option<int>("--chunks-per-read") { Description = "At most this many calibration chunks from one read, spread along it", DefaultValueFactory = _ => 4 };
        var threads = new Option<int>("--threads") { Description = "Threads", DefaultValueFactory = _ => Math.Max(1, Environment.ProcessorCount) };
        var command = new Command("compress",
            "Prune or factorise every layer of a model, calibrated layer after layer on real reads; write a float ONNX package (no quantisation)")
        {
            model, calibration, output, perRead, threads,
        };
        var compression = new CompressionArguments(command, required: true);
        command.SetAction(async (result, ct) =>
        {
            var request = new Request(result.GetValue(model)!, result.GetValue(calibration)!, result.GetValue(output)!,
                compression.Read(result, result.GetValue(threads))!, compression.Chunks(result), result.GetValue(perRead));
            return await RunAsync(request, Console.Out, Console.Error, ct);
        });
        return command;
    }

    /// <summary>Compresses and writes the package; 0 when written, 1 when an input was unusable, 2 when --keep-dense names a layer the model lacks.</summary>
    public static async Task<int> RunAsync(Request request, TextWriter output, TextWriter errors, CancellationToken cancellationToken)
    {
        var staging = PublishStage.StagingFolder(request.Output);
        try
        {
            var source = await ImportStage.RunAsync(request.Model, cancellationToken);
            source.RefusePooled("dipper compress");
            var folded = FoldStage.Run(source.Graph);
            var manifest = source.Manifest;
            var set = await CalibrateStage.LoadReadsAsync(request.Calibration, manifest,
                new CalibrationSetOptions { CalibrationChunks = request.Chunks, ChunksPerRead = request.ChunksPerRead, VerificationReads = 0 },
                cancellationToken);
            await output.WriteLineAsync($"dipper compress: {manifest.Name} from {request.Model}: {source.Graph.ParameterCount:N0} parameters; " +
                $"{set.Chunks.Count} chunks from {set.CalibrationReads} reads ({set.Files.Count} files)");
            CalibrateStage.ReportProblems(set, "dipper compress", errors);
            var compressed = CompressStage.Run(folded, set.Chunks, request.Compression, request.Chunks, output, cancellationToken);

            Directory.CreateDirectory(staging);
            var onnx = OnnxExporter.Export(compressed.Graph);
            await File.WriteAllBytesAsync(Path.Combine(staging, ModelCompilation.OnnxFile), onnx, cancellationToken);
            var provenance = new Dictionary<string, JsonElement>(source.Provenance)
            {
                ["compiler"] = JsonSerializer.SerializeToElement("dipper compress"),
                ["passes"] = JsonSerializer.SerializeToElement(new[] { FoldBatchNorm.PassName, request.Compression.PassName }),
                ["parameters"] = JsonSerializer.SerializeToElement(source.Graph.ParameterCount),
                ["calibration"] = JsonSerializer.SerializeToElement(CalibrateStage.Summary(set)),
            };
            CompressionProvenance.Record(provenance, compressed);
            ModelPackage.WriteManifest(staging, manifest with
            {
                Files = ModelCompilation.FloatOnnxFiles(manifest, onnx),
                Provenance = provenance,
            });
            var report = new StringBuilder()
                .AppendLine($"# dipper compress: {manifest.Name}").AppendLine()
                .AppendLine($"- source: {request.Model}")
                .AppendLine($"- package: {request.Output} (float ONNX, not quantised)")
                .AppendLine(string.Create(CultureInfo.InvariantCulture, $"- calibration: {set.Chunks.Count} chunks from {set.CalibrationReads} reads ({set.Files.Count} files)"))
                .AppendLine().AppendLine("## Compression").AppendLine()
                .Append(CompressionProvenance.Report(compressed));
            await File.WriteAllTextAsync(Path.Combine(staging, ModelCompilation.ReportFile), report.ToString(), cancellationToken);
            PublishStage.Run(staging, request.Output);
            await output.WriteLineAsync($"dipper compress: package written to {request.Output}");
            return 0;
        }
        catch (UnknownLayerException e)
        {
            await errors.WriteLineAsync($"dipper compress: {e.Message}");
            return Basecaller.CommandLine.CommandLineRunner.UsageError;
        }
        catch (Exception e) when (e is CheckpointFormatException or GraphException or InvalidDataException or FileNotFoundException
                                       or IOException or UnauthorizedAccessException)
        {
            await errors.WriteLineAsync($"dipper compress: {e.Message}");
            return 1;
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
    }
}
