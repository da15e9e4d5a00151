using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Dipper.Basecaller.CommandLine;
using Dipper.Compiler.Graph;
using Dipper.Compiler.Import;
using Dipper.Compiler.Passes;
using Dipper.Compiler.Passes.Widening;

namespace Dipper.Compiler.Commands;

/// <summary>
/// <c>dipper widen --model PKG --channels N [--seed S] -o PKG</c>: makes a model wider without changing what it computes
/// (<see cref="ModelWidening"/>, Net2WiderNet), so that <c>dipper finetune --model PKG --teacher models/sbonito</c>
/// distils a wider student that starts as its teacher's own function. Writes a float ONNX package (the model's
/// manifest; provenance <c>widening</c>: channels, seed, each set's width before and after and which channels were
/// copied) that <c>dipper finetune</c>, <c>dipper compile</c> and <c>dipperd basecall</c> take. No reads are needed.
/// </summary>
public static class WidenCommand
{
    /// <summary>Everything the command was asked to do.</summary>
    /// <param name="Model">Checkpoint, ONNX file with its manifest, or package folder.</param>
    /// <param name="Channels">Channels every widened set gets.</param>
    /// <param name="Output">Package folder to write.</param>
    /// <param name="Seed">Seed of the draws: which channels are copied, how inputs are split among copies.</param>
    public sealed record Request(string Model, int Channels, string Output, int Seed = 1);

    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "PyTorch checkpoint (.pth), ONNX file with its manifest.json beside it, or model package folder", Required = true };
        var channels = new Option<int>("--channels") { Description = "Channels of every channel set but the input's and output's (at least the model's widest)", Required = true };
        var seed = new Option<int>("--seed") { Description = "Seed of the draws (which channels are copied, how each input is split among its copies)", DefaultValueFactory = _ => 1 };
        var output = new Option<string>("--output", "-o") { Description = "Package folder to write (files it holds are replaced)", Required = true };
        var command = new Command("widen",
            "Widen a model to N channels computing the same function (Net2WiderNet: copied channels, inputs split among copies by unequal shares); write a float ONNX package to fine-tune")
        {
            model, channels, seed, output,
        };
        TrainingArguments.AtLeast(channels, 1);
        command.SetAction(async (result, ct) =>
        {
            var request = new Request(result.GetValue(model)!, result.GetValue(channels), result.GetValue(output)!, result.GetValue(seed));
            return await RunAsync(request, Console.Out, Console.Error, ct);
        });
        return command;
    }

    /// <summary>Widens and writes the package; 0 when written, 1 when the model could not be read, 2 when it cannot be
    /// widened as asked (fewer channels than it has, or layers whose channels cannot be followed); nothing is written then.</summary>
    public static async Task<int> RunAsync(Request request, TextWriter output, TextWriter errors, CancellationToken cancellationToken)
    {
        ModelSource source;
        try
        {
            source = await ModelSource.LoadAsync(request.Model, cancellationToken);
            source.RefusePooled("dipper widen");
        }
        catch (Exception e) when (e is CheckpointFormatException or GraphException or InvalidDataException or FileNotFoundException
                                       or IOException or UnauthorizedAccessException)
        {
            await errors.WriteLineAsync($"dipper widen: {e.Message}");
            return 1;
        }
        WidenedModel widened;
        try
        {
            widened = ModelWidening.Apply(FoldBatchNorm.Apply(source.Graph), new WideningOptions { Channels = request.Channels, Seed = request.Seed });
        }
        catch (GraphException e)
        {
            await errors.WriteLineAsync($"dipper widen: {request.Model}: {e.Message}");
            return CommandLineRunner.UsageError;
        }
        await output.WriteLineAsync($"dipper widen: {request.Model}: {source.Graph.ParameterCount:N0} → {widened.Graph.ParameterCount:N0} parameters; " +
            $"{widened.Sets.Count} channel sets widened to {request.Channels} (seed {request.Seed})");
        try
        {
            await TrainedPackage.WriteAsync(source, widened.Graph, "dipper widen", ModelWidening.PassName, "widening",
                Provenance(source, widened), Report(request, source, widened), request.Output, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await errors.WriteLineAsync($"dipper widen: {e.Message}");
            return 1;
        }
        await output.WriteLineAsync($"dipper widen: package written to {request.Output}");
        return 0;
    }

    private static JsonElement Provenance(ModelSource source, WidenedModel widened) =>
        JsonSerializer.SerializeToElement(new Dictionary<string, object?>
        {
            ["method"] = "Net2WiderNet (Chen et al. 2016): copied channels round-robin over a seeded random order; each input of a copied channel split among its copies by unequal random shares summing to 1 (per output row and tap); same function",
            ["from"] = new Dictionary<string, object?> { ["sha256"] = source.SourceSha256, ["parameters"] = source.Graph.ParameterCount },
            ["channels"] = widened.Sets.Max(s => s.To),
            ["seed"] = widened.Seed,
            ["parameters"] = widened.Graph.ParameterCount,
            ["channelSets"] = widened.Sets.Select(s => new Dictionary<string, object>
            {
                ["value"] = s.Value,
                ["from"] = s.From,
                ["to"] = s.To,
                ["copied"] = s.Sources.Skip(s.From).ToArray(),
            }).ToArray(),
        });

    private static string Report(Request request, ModelSource source, WidenedModel widened)
    {
        var inv = CultureInfo.InvariantCulture;
        var text = new StringBuilder()
            .AppendLine(inv, $"# dipper widen: {Path.GetFileName(Path.GetFullPath(request.Output).TrimEnd(Path.DirectorySeparatorChar))}").AppendLine()
            .AppendLine(inv, $"- source: {request.Model} ({source.Graph.ParameterCount:N0} parameters)")
            .AppendLine(inv, $"- widened to {request.Channels} channels, seed {request.Seed}: {widened.Graph.ParameterCount:N0} parameters, the same function (float ONNX, not quantised; fine-tune it)")
            .AppendLine().AppendLine("| channel set | channels before | after |").AppendLine("|---|---|---|");
        foreach (var s in widened.Sets) text.AppendLine(inv, $"| {s.Value} | {s.From} | {s.To} |");
        return text.ToString();
    }
}
