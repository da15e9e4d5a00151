using System.CommandLine;
using System.Globalization;
using Dipper.Basecaller.Inference;
using Dipper.Basecaller.Models;
using Dipper.Basecaller.Signal;
using Dipper.Compiler.Labelling;

namespace Dipper.Compiler.Commands;

/// <summary>
/// <c>dipper label --model PKG --reads DIR... --reference FASTA -o LABELS</c>: training chunks with their
/// reference bases, made the way bonito makes them (call, align with minimap2, cut the reference along the CTC
/// path), so a model can be trained or fine-tuned for reads of one's own chemistry. See <see cref="LabelRun"/>.
/// </summary>
public static class LabelCommand
{
    private const string Program = "dipper label";

    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "Model package folder that calls the reads (its ONNX model runs)", Required = true };
        var reads = new Option<string[]>("--reads", "-r")
        {
            Description = "Signal files or folders (POD5, FAST5, SLOW5, BLOW5)",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var reference = new Option<string>("--reference") { Description = "FASTA of the genome the reads come from", Required = true };
        var output = new Option<string>("--output", "-o") { Description = "Label folder to write (must not exist)", Required = true };
        var filter = new LabelFilter();
        var minIdentity = new Option<double>("--min-identity") { Description = "Drop reads whose alignment identity is below this (0-1)", DefaultValueFactory = _ => filter.MinIdentity };
        var minBases = new Option<int>("--min-bases") { Description = "Drop chunks with fewer called bases", DefaultValueFactory = _ => filter.MinBases };
        var threads = new Option<int>("--threads") { Description = "Inference workers and minimap2 threads", DefaultValueFactory = _ => Math.Max(1, Environment.ProcessorCount) };
        var command = new Command("label", "Make training chunks labelled with their reference bases: call the reads, align the calls with minimap2, cut the reference along the CTC path")
        {
            model, reads, reference, output, minIdentity, minBases, threads,
        };
        command.SetAction(async (result, ct) => await RunAsync(
            result.GetValue(model)!, result.GetValue(reads)!, result.GetValue(reference)!, result.GetValue(output)!,
            filter with { MinIdentity = result.GetValue(minIdentity), MinBases = result.GetValue(minBases) },
            result.GetValue(threads), Console.Error, ct));
        return command;
    }

    /// <summary>Writes the label set and prints a summary; 0 when it was written, 1 when nothing was.</summary>
    public static async Task<int> RunAsync(string modelFolder, IReadOnlyList<string> inputs, string reference, string output,
        LabelFilter filter, int threads, TextWriter errors, CancellationToken cancellationToken)
    {
        if (Directory.Exists(output) || File.Exists(output))
        {
            await errors.WriteLineAsync($"{Program}: {output} already exists: choose another output or remove it");
            return 1;
        }
        try
        {
            var package = ModelPackage.Load(modelFolder);
            var files = SignalFile.Find(inputs).ToList();
            var settings = new LabelRunSettings { Files = files, Reference = reference, Filter = filter, Threads = threads };
            await errors.WriteLineAsync($"{Program}: calling {files.Count} file(s) with {package.Manifest.Name} (onnx, greedy), aligning to {reference} with minimap2");
            var labels = await LabelRun.RunAsync(package, settings, message => errors.WriteLine($"{Program}: {message}"), cancellationToken);
            await errors.WriteLineAsync(Summary(labels.Metadata));
            if (labels.Count == 0)
            {
                await errors.WriteLineAsync($"{Program}: no chunk was kept, so nothing was written");
                return 1;
            }
            labels.Write(output);
            await errors.WriteLineAsync($"{Program}: {labels.Count} chunks of {labels.Metadata.ChunkSamples} samples → {output}");
            return 0;
        }
        catch (Exception e) when (e is AlignerUnavailableException or InvalidDataException or FileNotFoundException or DirectoryNotFoundException
            or EngineUnavailableException or InferenceException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            await errors.WriteLineAsync($"{Program}: {e.Message}; nothing was written");
            return 1;
        }
    }

    private static string Summary(LabelMetadata m)
    {
        var inv = CultureInfo.InvariantCulture;
        var dropped = string.Join(", ", m.Dropped.Select(d => string.Create(inv, $"{Describe(d.Key)} {d.Value}")));
        return string.Create(inv, $"{Program}: {m.TotalChunks} chunks, {m.KeptChunks} kept (from {m.ChunkReads.Count} read(s)); dropped: {dropped}; " +
            $"{m.UncalledReads} read(s) not called");
    }

    private static string Describe(LabelDropReason reason) => reason switch
    {
        LabelDropReason.UnmappedRead => "unmapped read",
        LabelDropReason.LowIdentity => "low identity",
        LabelDropReason.TooFewBases => "too few bases",
        LabelDropReason.OutsideAlignment => "outside the alignment",
        LabelDropReason.AmbiguousReference => "ambiguous reference",
        LabelDropReason.LengthRatio => "length ratio",
        _ => reason.ToString(),
    };
}
