using System.CommandLine;
using System.Security.Cryptography;
using System.Text.Json;
using Dipper.Basecaller.Models;
using Dipper.Compiler.Export;
using Dipper.Compiler.Graph;
using Dipper.Compiler.Passes;
using Dipper.Compiler.Import;

namespace Dipper.Compiler.Commands;

/// <summary>
/// <c>dipper import CHECKPOINT.pth -o PACKAGE_DIR</c>: turns the default model's PyTorch checkpoint
/// into a model package (model.onnx + manifest.json) that the appliance's ONNX engine runs, with
/// BatchNorm folded. This is the first step of every compiler pipeline: later passes start from
/// the package or the graph this builds.
/// </summary>
public static class ImportCommand
{
    /// <summary>File name of the ONNX model inside the package.</summary>
    public const string OnnxFileName = "model.onnx";

    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var checkpoint = new Argument<string>("checkpoint")
        {
            Description = "PyTorch state_dict checkpoint (.pth) of the sbonito_80_bb_swish model",
        };
        var output = new Option<string>("--output", "-o")
        {
            Description = "Package folder to write (created if missing; model.onnx and manifest.json are replaced)",
            Required = true,
        };
        var command = new Command("import", "Convert a PyTorch checkpoint into an ONNX model package")
        {
            checkpoint,
            output,
        };
        command.SetAction(async (result, ct) =>
            await RunAsync(result.GetValue(checkpoint)!, result.GetValue(output)!, Console.Out, Console.Error, ct));
        return command;
    }

    /// <summary>Imports the checkpoint into the package folder; returns 0 on success, 1 when the checkpoint could not be converted.</summary>
    public static async Task<int> RunAsync(string checkpointPath, string packageDirectory, TextWriter output,
        TextWriter errors, CancellationToken cancellationToken)
    {
        try
        {
            var checkpointBytes = await File.ReadAllBytesAsync(checkpointPath, cancellationToken);
            var checkpointName = Path.GetFileName(checkpointPath);
            StateDict stateDict;
            using (var stream = new MemoryStream(checkpointBytes, writable: false))
                stateDict = TorchCheckpoint.Read(stream, checkpointName);

            var imported = SbonitoMapper.ToGraph(stateDict, checkpointName);
            var folded = FoldBatchNorm.Apply(imported);
            var onnx = OnnxExporter.Export(folded);

            Directory.CreateDirectory(packageDirectory);
            // Written beside the target and renamed, so a failed run never leaves a truncated model.
            var onnxPath = Path.Combine(packageDirectory, OnnxFileName);
            var partial = onnxPath + ".partial";
            await File.WriteAllBytesAsync(partial, onnx, cancellationToken);
            File.Move(partial, onnxPath, overwrite: true);

            var files = new ModelFiles
            {
                Onnx = OnnxFileName,
                OnnxInput = SbonitoMapper.InputName,
                OnnxOutput = SbonitoMapper.OutputName,
                Sha256 = new Dictionary<string, string> { [OnnxFileName] = Sha256(onnx) },
            };
            var provenance = new Dictionary<string, JsonElement>
            {
                ["source"] = JsonSerializer.SerializeToElement(new Dictionary<string, string>
                {
                    ["file"] = checkpointName,
                    ["sha256"] = Sha256(checkpointBytes),
                }),
                ["upstream"] = JsonSerializer.SerializeToElement("fmfi-compbio/osprey (Apache-2.0)"),
                ["passes"] = JsonSerializer.SerializeToElement(new[] { FoldBatchNorm.PassName }),
                ["parameters"] = JsonSerializer.SerializeToElement(imported.ParameterCount),
            };
            ModelPackage.WriteManifest(packageDirectory, SbonitoMapper.Manifest(files, provenance));

            await output.WriteLineAsync(
                $"dipper import: {checkpointName} → {packageDirectory}: {imported.ParameterCount} parameters, " +
                $"{imported.Nodes.Count} nodes ({folded.Nodes.Count} after {FoldBatchNorm.PassName}), {OnnxFileName} {onnx.Length} bytes");
            return 0;
        }
        catch (Exception e) when (e is CheckpointFormatException or GraphException or InvalidDataException)
        {
            await errors.WriteLineAsync($"dipper import: {e.Message}");
            return 1;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await errors.WriteLineAsync($"dipper import: {checkpointPath}: {e.Message}");
            return 1;
        }
    }

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
