using Dipper.Device.Engines;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Dipper.Basecaller.CommandLine;
using Dipper.Basecaller.Inference;
using Dipper.Basecaller.Models;
using Dipper.Basecaller.Native;
using Dipper.Basecaller.Output;
using Dipper.Basecaller.Pipeline;
using Dipper.Basecaller.Signal;
using Dipper.Tpu.Engines;
using Dipper.Tpu.Lite;

namespace Dipper.Device.Commands;

/// <summary>
/// <c>dipperd basecall [INPUT...] [-o OUT] [--model DIR] [--engine auto|onnx|onnx-int8|tflite|edgetpu] [--threads N]
/// [--chunk SAMPLES] [--overlap SAMPLES] [--pooling-budget SAMPLES] [--beam N | --greedy] [--emit-fasta] [--emit-moves] [--summary FILE.json] [--sequencing-summary FILE] [--ignore-chemistry]</c>:
/// calls every read of the given signal files and folders (the bundled sample reads when none are given) into FASTQ,
/// FASTA, or unaligned SAM/BAM/CRAM (by the output's name). Reads the
/// model cannot call (another sample rate or chemistry) and damaged files are reported and skipped; the exit code is 1 if there were
/// any, 0 if everything was called, 2 for bad usage.
/// </summary>
public static class BasecallCommand
{
    private const string Program = "dipperd basecall";

    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var inputs = new Argument<string[]>("inputs")
        {
            Description = "Signal files (POD5, FAST5, SLOW5, BLOW5) or folders searched recursively; the bundled sample reads if none",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var output = new Option<string?>("--output", "-o")
        {
            Description = "Output file: .bam, .sam or .cram for unaligned BAM/SAM/CRAM (htslib), else FASTQ (FASTA with --emit-fasta; gzip if it ends in .gz); default calls.fastq",
        };
        var model = new Option<string?>("--model") { Description = "Model package folder (default: the bundled models/sbonito)" };
        var engine = new Option<string>("--engine") { Description = "Inference engine; auto picks the best one available; onnx-int8 (by name only) runs the package's int8 ONNX model, the fastest on an x86-64 CPU", DefaultValueFactory = _ => EngineFactory.Auto };
        engine.AcceptOnlyFromAmong([EngineFactory.Auto, .. EngineFactory.KnownEngines]);
        var threads = new Option<int>("--threads") { Description = "Inference workers, one engine each", DefaultValueFactory = _ => Environment.ProcessorCount };
        var batch = new Option<int?>("--batch") { Description = "Chunks per network call (models with a dynamic batch; default: 57,600 samples' worth, 32 chunks of 1800)" };
        var chunk = new Option<int?>("--chunk") { Description = "Samples per chunk (default: the model manifest's; a model with a dynamic input length only)" };
        var overlap = new Option<int?>("--overlap") { Description = "Samples shared by consecutive chunks (default: the model manifest's)" };
        var poolingBudget = new Option<long>("--pooling-budget")
        {
            Description = "A model with dynamic pooling: most samples of reads between its first part and the pooling at once " +
                "(a longer read runs alone; 0: no bound)",
            DefaultValueFactory = _ => BasecallPipelineOptions.DefaultPoolingBudget,
        };
        var beam = new Option<int>("--beam") { Description = "CTC beam width", DefaultValueFactory = _ => 5 };
        var greedy = new Option<bool>("--greedy") { Description = "Greedy (best-path) CTC decoding instead of beam search" };
        var fasta = new Option<bool>("--emit-fasta") { Description = "Write FASTA (no qualities) instead of FASTQ" };
        var moves = new Option<bool>("--emit-moves") { Description = "Add each read's move table (mv tag) to a SAM/BAM/CRAM output, for signal-level tools" };
        var summary = new Option<string?>("--summary") { Description = "Write the run's figures (reads, samples, bases, speed) to this JSON file" };
        var sequencingSummary = new Option<string?>("--sequencing-summary")
        {
            Description = "Write a sequencing_summary.txt (one line per read, Guppy/Dorado columns) to this file",
        };
        var ignoreChemistry = new Option<bool>("--ignore-chemistry")
        {
            Description = "Call reads whose flow cell, kit or experiment type names another chemistry than the model's (refused by default)",
        };
        var ortDepthwise = new Option<bool>("--ort-depthwise")
        {
            Description = "Run an int8 model's depthwise layers on ONNX Runtime's own kernel instead of Dipper's (the same calls, slower; for comparison)",
        };
        var command = new Command("basecall", "Base call nanopore signal files into FASTQ")
        {
            inputs, output, model, engine, threads, batch, chunk, overlap, poolingBudget, beam, greedy, fasta, moves, summary, sequencingSummary, ignoreChemistry,
            ortDepthwise,
        };
        command.SetAction(async (result, ct) =>
        {
            var emitFasta = result.GetValue(fasta);
            var settings = new BasecallSettings
            {
                Inputs = result.GetValue(inputs) ?? [],
                Output = result.GetValue(output) ?? (emitFasta ? "calls.fasta" : "calls.fastq"),
                Model = result.GetValue(model),
                Engine = result.GetValue(engine)!,
                Threads = result.GetValue(threads),
                Batch = result.GetValue(batch),
                Chunk = result.GetValue(chunk),
                Overlap = result.GetValue(overlap),
                PoolingBudget = result.GetValue(poolingBudget),
                Beam = result.GetValue(beam),
                Greedy = result.GetValue(greedy),
                EmitFasta = emitFasta,
                EmitMoves = result.GetValue(moves),
                Summary = result.GetValue(summary),
                SequencingSummary = result.GetValue(sequencingSummary),
                CommandLine = string.Join(' ', ["dipperd", .. Environment.GetCommandLineArgs().Skip(1)]),
                IgnoreChemistry = result.GetValue(ignoreChemistry),
                OnnxRuntimeDepthwise = result.GetValue(ortDepthwise),
                InteractiveProgress = !Console.IsErrorRedirected,
            };
            return await RunAsync(settings, Console.Error, ct);
        });
        return command;
    }

    /// <summary>Runs a base-calling job; returns the exit code.</summary>
    public static async Task<int> RunAsync(BasecallSettings settings, TextWriter errors, CancellationToken cancellationToken)
    {
        if (settings.Threads < 1 || settings.Batch is < 1 || settings.Beam < 1)
        {
            await errors.WriteLineAsync($"{Program}: --threads, --batch and --beam must be at least 1");
            return CommandLineRunner.UsageError;
        }
        if (settings.PoolingBudget < 0)
        {
            await errors.WriteLineAsync($"{Program}: --pooling-budget must be 0 (no bound) or a number of samples");
            return CommandLineRunner.UsageError;
        }
        var format = settings.EmitFasta ? OutputFormat.Fasta : OutputFormats.FromFileName(settings.Output);
        if (settings.EmitMoves && !format.IsHts())
        {
            await errors.WriteLineAsync($"{Program}: --emit-moves needs a SAM, BAM or CRAM output (-o NAME.bam), not {format}");
            return CommandLineRunner.UsageError;
        }
        if (format.IsHts())
        {
            try
            {
                HtsNative.EnsureLoaded();
            }
            catch (HtsUnavailableException e)
            {
                await errors.WriteLineAsync($"{Program}: {e.Message}");
                return 1;
            }
        }

        var inputs = settings.Inputs;
        if (inputs.Count == 0)
        {
            if (BundledFiles.Find(BundledFiles.SampleReads) is not { } samples)
            {
                await errors.WriteLineAsync($"{Program}: no input given and no bundled sample reads at {BundledFiles.Places(BundledFiles.SampleReads)}");
                return 1;
            }
            inputs = [samples];
        }
        List<string> files;
        try
        {
            files = SignalFile.Find(inputs).ToList();
        }
        catch (FileNotFoundException e)
        {
            await errors.WriteLineAsync($"{Program}: {e.Message}");
            return 1;
        }
        if (files.Count == 0)
        {
            await errors.WriteLineAsync($"{Program}: no signal files in {string.Join(", ", inputs)}");
            return 1;
        }

        var modelFolder = settings.Model ?? BundledFiles.Find(BundledFiles.DefaultModel);
        if (modelFolder is null)
        {
            await errors.WriteLineAsync($"{Program}: no --model given and no bundled model at {BundledFiles.Places(BundledFiles.DefaultModel)}");
            return 1;
        }
        ModelPackage package;
        try
        {
            package = ModelPackage.Load(modelFolder);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            await errors.WriteLineAsync($"{Program}: {e.Message}");
            return 1;
        }

        try
        {
            package = package.WithChunk(settings.Chunk, settings.Overlap);
        }
        catch (ArgumentException e)
        {
            await errors.WriteLineAsync($"{Program}: --chunk {settings.Chunk?.ToString(CultureInfo.InvariantCulture) ?? "(manifest)"} " +
                $"--overlap {settings.Overlap?.ToString(CultureInfo.InvariantCulture) ?? "(manifest)"}: {e.Message}");
            return CommandLineRunner.UsageError;
        }

        var beam = settings.Greedy ? 1 : settings.Beam;
        if (package.Manifest.Pooling is not null) return await CallPooledAsync(settings, format, files, package, beam, errors, cancellationToken);

        var factory = ApplianceEngines.CreateFactory(log: message => errors.WriteLine($"{Program}: {message}"));
        string engineName;
        try
        {
            engineName = factory.Resolve(settings.Engine, package);
        }
        catch (EngineUnavailableException e)
        {
            await errors.WriteLineAsync($"{Program}: {e.Message}");
            return CommandLineRunner.UsageError;
        }
        var how = string.Equals(settings.Engine, EngineFactory.Auto, StringComparison.OrdinalIgnoreCase) ? " (auto)" : "";
        await errors.WriteLineAsync(
            $"{Program}: engine {engineName}{how}, model {package.Manifest.Name}, {settings.Threads} thread(s), " +
            $"chunks of {package.Manifest.Chunk.Samples} samples overlapping by {package.Manifest.Chunk.Overlap}, " +
            $"{(beam > 1 ? $"beam {beam}" : "greedy")} decoding, {files.Count} file(s) → {settings.Output}");
        if (EdgeTpuModelNotice.For(package) is { } notice) await errors.WriteLineAsync($"{Program}: {notice}");

        var engines = new List<IInferenceEngine>();
        try
        {
            for (var i = 0; i < settings.Threads; i++)
                engines.Add(factory.Create(engineName, package, new InferenceEngineOptions
                {
                    Threads = 1,
                    Batch = settings.Batch ?? InferenceEngineOptions.BatchFor(package.Manifest.Chunk.Samples),
                    DepthwiseKernel = !settings.OnnxRuntimeDepthwise,
                }));
            if (engines.FirstOrDefault() is OnnxRuntimeEngine { DepthwiseLayersOnDipperKernel: > 0 } onnx)
                await errors.WriteLineAsync($"{Program}: {onnx.DepthwiseLayersOnDipperKernel} depthwise layers on Dipper's int8 kernel (AVX-512 BW)");
            return await CallAsync(settings, format, files, package, engines, [], engineName, beam, errors, cancellationToken);
        }
        catch (Exception e) when (e is InferenceException or EngineUnavailableException)
        {
            await errors.WriteLineAsync($"{Program}: {e.Message}");
            return 1;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The output or summary could not be written (disk full, no permission); nothing half-written is left under the output name.
            await errors.WriteLineAsync($"{Program}: {e.Message}");
            return 1;
        }
        finally
        {
            foreach (var engine in engines) engine.Dispose();
        }
    }

    /// <summary>
    /// A model with dynamic pooling (docs/dynamic-pooling.md): the part before the pooling on ONNX Runtime, the pooling on the
    /// host, the part after it on the engine asked for, chosen as for a model without pooling (the int8 TFLite model on the
    /// CPU or the Edge TPU when the package has one; else ONNX Runtime only, and any other engine is refused).
    /// </summary>
    private static async Task<int> CallPooledAsync(BasecallSettings settings, OutputFormat format, IReadOnlyList<string> files, ModelPackage package,
        int beam, TextWriter errors, CancellationToken cancellationToken)
    {
        if (PooledModelEngines.RunsOnOnnxRuntimeOnly(package)
            && !string.Equals(settings.Engine, EngineFactory.Auto, StringComparison.OrdinalIgnoreCase)
            && !string.Equals(settings.Engine, PooledModelEngines.EngineName, StringComparison.OrdinalIgnoreCase))
        {
            await errors.WriteLineAsync($"{Program}: {PooledModelEngines.OnnxRuntimeOnly(package.Manifest)}: --engine onnx or auto, not {settings.Engine}");
            return CommandLineRunner.UsageError;
        }
        var pooling = package.Manifest.Pooling!;
        PooledModelEngines engines;
        try
        {
            engines = PooledModelEngines.Create(package, settings.Threads, settings.Batch,
                ApplianceEngines.CreateFactory(log: message => errors.WriteLine($"{Program}: {message}")), settings.Engine);
        }
        catch (EngineUnavailableException e)
        {
            await errors.WriteLineAsync($"{Program}: model '{package.Manifest.Name}' pools dynamically; its part after the pooling: {e.Message}");
            return CommandLineRunner.UsageError;
        }
        catch (Exception e) when (e is InferenceException or InvalidDataException or TfliteException or IOException or UnauthorizedAccessException)
        {
            await errors.WriteLineAsync($"{Program}: {e.Message}");
            return 1;
        }
        using (engines)
        {
            var how = string.Equals(settings.Engine, EngineFactory.Auto, StringComparison.OrdinalIgnoreCase) ? " (auto)" : "";
            await errors.WriteLineAsync(
                $"{Program}: engine {PooledModelEngines.EngineName} before the pooling, {engines.AfterPoolingEngine}{how} after it, model {package.Manifest.Name} " +
                $"(dynamic pooling on the host between its two parts), {settings.Threads} thread(s), chunks of {package.Manifest.Chunk.Samples} samples " +
                $"overlapping by {package.Manifest.Chunk.Overlap}, windows of {pooling.Window.Samples} pooled frames overlapping by {pooling.Window.Overlap}, " +
                (settings.PoolingBudget > 0 ? $"at most {settings.PoolingBudget:N0} samples before the pooling, " : "no bound on the samples before the pooling, ") +
                $"{(beam > 1 ? $"beam {beam}" : "greedy")} decoding, {files.Count} file(s) → {settings.Output}");
            if (package.AfterPoolingPart is { } part && EdgeTpuModelNotice.For(part) is { } notice) await errors.WriteLineAsync($"{Program}: {notice}");
            try
            {
                return await CallAsync(settings, format, files, package, engines.BeforePooling, engines.AfterPooling, engines.Name, beam,
                    errors, cancellationToken);
            }
            catch (Exception e) when (e is InferenceException or IOException or UnauthorizedAccessException)
            {
                await errors.WriteLineAsync($"{Program}: {e.Message}");
                return 1;
            }
        }
    }

    private static async Task<int> CallAsync(BasecallSettings settings, OutputFormat format, IReadOnlyList<string> files, ModelPackage package,
        IReadOnlyList<IInferenceEngine> engines, IReadOnlyList<IInferenceEngine> afterPooling, string engineName, int beam, TextWriter errors,
        CancellationToken cancellationToken)
    {
        ProgressDisplay? shown = null;
        var pipeline = new BasecallPipeline(package.Manifest, engines, afterPooling,
            new BasecallPipelineOptions
            {
                BeamWidth = beam,
                IgnoreChemistry = settings.IgnoreChemistry,
                PoolingBudget = settings.PoolingBudget > 0 ? settings.PoolingBudget : null,
            })
        {
            Warn = warning => shown?.Report($"{Program}: {warning.Message}"),
        };
        var clock = Stopwatch.StartNew();
        using (var writer = OpenOutputs(settings, format))
        {
            await using var progress = new ProgressDisplay(pipeline.Counters, files.Count, settings.InteractiveProgress, errors);
            shown = progress;
            try
            {
                await pipeline.RunAsync(files, writer, problem => progress.Report($"{Program}: {problem.Message}"), cancellationToken);
            }
            catch (InferenceException e)
            {
                progress.Report($"{Program}: {e.Message}; no output written");
                return 1;
            }
            writer.Commit();
        }
        clock.Stop();

        var counters = pipeline.Counters;
        var seconds = clock.Elapsed.TotalSeconds;
        var summary = new BasecallSummary
        {
            Reads = counters.ReadsCalled,
            FailedReads = counters.ReadsFailed,
            FailedFiles = counters.FilesFailed,
            Samples = counters.SamplesCalled,
            Bases = counters.Bases,
            Seconds = seconds,
            SamplesPerSecond = seconds > 0 ? counters.SamplesCalled / seconds : 0,
            Engine = engineName,
            Model = package.Manifest.Name,
            Threads = engines.Count,
            Beam = beam,
            Batch = pipeline.BatchSize,
            ChunkSamples = package.Manifest.Chunk.Samples,
            ChunkOverlap = package.Manifest.Chunk.Overlap,
            Chunks = counters.ChunksInferred,
            ChunkSamplesComputed = counters.ChunkSamplesInferred,
            Output = Path.GetFullPath(settings.Output),
        };
        if (settings.Summary is { } summaryPath)
            await File.WriteAllTextAsync(summaryPath, JsonSerializer.Serialize(summary, BasecallSummary.JsonOptions) + "\n", cancellationToken);

        var inv = CultureInfo.InvariantCulture;
        if (settings.SequencingSummary is { } sequencing) await errors.WriteLineAsync($"{Program}: sequencing summary → {sequencing}");
        await errors.WriteLineAsync(string.Create(inv,
            $"{Program}: {summary.Reads} reads, {summary.Bases:N0} bases, {summary.Samples:N0} samples in {seconds:F2} s " +
            $"({summary.SamplesPerSecond / 1000:F0} k samples/s); {summary.FailedReads} read(s) skipped, {summary.FailedFiles} damaged file(s)"));
        return summary.FailedReads > 0 || summary.FailedFiles > 0 ? 1 : 0;
    }

    /// <summary>The calls, and the sequencing summary when asked for, committed together.</summary>
    private static OutputSet OpenOutputs(BasecallSettings settings, OutputFormat format)
    {
        var writers = new List<ICalledReadWriter>();
        try
        {
            writers.Add(OutputFormats.Open(format, settings.Output, new HtsOutputOptions { EmitMoves = settings.EmitMoves, CommandLine = settings.CommandLine }));
            if (settings.SequencingSummary is { } summary) writers.Add(new SequencingSummaryWriter(summary));
            return new OutputSet(writers);
        }
        catch
        {
            foreach (var writer in writers) writer.Dispose();
            throw;
        }
    }
}
