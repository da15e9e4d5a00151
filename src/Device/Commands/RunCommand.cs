using System.CommandLine;
using Dipper.Basecaller.Inference;
using Dipper.Device.Service;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Dipper.Device.Commands;

/// <summary>
/// <c>dipperd run [--input DIR]... [--output DIR] [--state DIR] [--model DIR] [--config FILE] [--chunk SAMPLES] [--overlap SAMPLES] [--min-qscore Q] [--ignore-chemistry]</c>:
/// the appliance service. Watches the input folders and calls every signal file the sequencer finishes into an
/// output of its own (FASTQ.gz, or BAM/SAM/CRAM by Output:Format; pass/fail folders with --min-qscore), with a
/// sequencing summary per run folder, exactly once across crashes and restarts, until stopped (SIGTERM, Ctrl+C). Settings come from
/// appsettings.json, /etc/dipper/dipperd.json (or --config), the environment and the command line, in that
/// order; further settings can be given as <c>--Section:Key=value</c> (or <c>--Section:Key value</c>). Any other
/// word on the command line (a misspelt <c>--inptu</c>) is an error: exit code 2, as for bad settings, rather
/// than a configuration key no one reads. Exit code 1 when it could not start (engine, port, journal), 0 after a clean stop.
/// </summary>
public static class RunCommand
{
    private const string Program = "dipperd run";

    /// <summary>
    /// How to invoke the command line <paramref name="args"/>. <c>run</c> leaves SIGTERM and Ctrl+C to the host,
    /// which drains the pipeline (up to Service:StopTimeout): System.CommandLine's own handler would end the
    /// process at once. Other commands keep System.CommandLine's handling (their work is cancelled).
    /// </summary>
    public static InvocationConfiguration? InvocationFor(string[] args) =>
        args.Length > 0 && args[0] == "run" ? new InvocationConfiguration { ProcessTerminationTimeout = null } : null;

    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var input = new Option<string[]>("--input", "-i") { Description = "Folder the sequencer writes to, searched recursively (repeat for several)", Arity = ArgumentArity.ZeroOrMore };
        var output = new Option<string?>("--output", "-o") { Description = "Folder for the FASTQ.gz files" };
        var state = new Option<string?>("--state") { Description = "Folder for the journal (must survive reboots)" };
        var model = new Option<string?>("--model") { Description = "Model package folder (default: the bundled one)" };
        var config = new Option<string?>("--config") { Description = $"Configuration file to read instead of {RunSettings.SystemConfigFile}" };
        var engine = new Option<string?>("--engine") { Description = "Inference engine; auto picks the best one available; onnx-int8 (by name only) runs the package's int8 ONNX model, the fastest on an x86-64 CPU" };
        engine.AcceptOnlyFromAmong([EngineFactory.Auto, .. EngineFactory.KnownEngines]);
        var threads = new Option<int?>("--threads") { Description = "Inference workers, one engine each" };
        var chunk = new Option<int?>("--chunk") { Description = "Samples per chunk (Service:Chunk; default: the model manifest's)" };
        var overlap = new Option<int?>("--overlap") { Description = "Samples shared by consecutive chunks (Service:Overlap; default: the model manifest's)" };
        var beam = new Option<int?>("--beam") { Description = "CTC beam width" };
        var greedy = new Option<bool>("--greedy") { Description = "Greedy (best-path) CTC decoding instead of beam search" };
        var ignoreChemistry = new Option<bool>("--ignore-chemistry")
        {
            Description = "Call reads whose run metadata names another chemistry than the model's (set aside by default)",
        };
        var minQScore = new Option<double?>("--min-qscore")
        {
            Description = "Reads of a lower mean quality go to *_fail folders, the others to *_pass, as MinKNOW lays out a run (Output:MinQScore; 0: no split)",
        };
        var port = new Option<int?>("--status-port") { Description = "Port of the status page, /status and /metrics (0: any free port)" };
        var command = new Command("run", "Run the appliance service: call signal files into FASTQ.gz as the sequencer finishes them")
        {
            input, output, state, model, config, engine, threads, chunk, overlap, beam, greedy, minQScore, port, ignoreChemistry,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (result, _) =>
        {
            if (UnknownOption(result.UnmatchedTokens) is { } unknown)
            {
                await Console.Error.WriteLineAsync($"{Program}: unknown option '{unknown}' (settings other than the options above are given as --Section:Key=value; see {Program} --help)");
                return 2;
            }
            var settings = new RunSettings
            {
                Inputs = result.GetValue(input) ?? [],
                Output = result.GetValue(output),
                State = result.GetValue(state),
                Model = result.GetValue(model),
                ConfigFile = result.GetValue(config),
                Engine = result.GetValue(engine),
                Threads = result.GetValue(threads),
                Chunk = result.GetValue(chunk),
                Overlap = result.GetValue(overlap),
                Beam = result.GetValue(beam),
                Greedy = result.GetValue(greedy),
                MinQScore = result.GetValue(minQScore),
                StatusPort = result.GetValue(port),
                IgnoreChemistry = result.GetValue(ignoreChemistry),
                ConfigurationArgs = result.UnmatchedTokens.ToArray(),
            };
            return await RunAsync(settings, Console.Error);
        });
        return command;
    }

    /// <summary>
    /// The first of <paramref name="tokens"/> (the words the command's own options did not take) that is not a
    /// configuration setting <c>--Section:Key=value</c> or <c>--Section:Key value</c>; null when all are.
    /// </summary>
    public static string? UnknownOption(IReadOnlyList<string> tokens)
    {
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (!token.StartsWith("--", StringComparison.Ordinal)) return token;
            var equals = token.IndexOf('=', StringComparison.Ordinal);
            var key = equals < 0 ? token[2..] : token[2..equals];
            var colon = key.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || colon == key.Length - 1) return token;
            if (equals >= 0) continue;
            // --Section:Key value: the value is the next word.
            if (i + 1 >= tokens.Count || tokens[i + 1].StartsWith("--", StringComparison.Ordinal)) return token;
            i++;
        }
        return null;
    }

    /// <summary>Builds and runs the host until it is stopped; returns the exit code.</summary>
    public static async Task<int> RunAsync(RunSettings settings, TextWriter errors)
    {
        if (settings.ConfigFile is { } file && !File.Exists(file))
        {
            await errors.WriteLineAsync($"{Program}: configuration file '{file}' does not exist");
            return 2;
        }
        try
        {
            using var host = ApplianceHost.Build(settings);
            await host.RunAsync();
            return 0;
        }
        catch (Exception e) when (e is OptionsValidationException || e is AggregateException a && a.InnerExceptions.All(i => i is OptionsValidationException))
        {
            var failures = e is AggregateException all ? all.InnerExceptions.Cast<OptionsValidationException>() : [(OptionsValidationException)e];
            foreach (var failure in failures.SelectMany(f => f.Failures)) await errors.WriteLineAsync($"{Program}: {failure}");
            return 2;
        }
        catch (Exception e) when (e is EngineUnavailableException or InferenceException or IOException or UnauthorizedAccessException
            or InvalidDataException or Microsoft.Data.Sqlite.SqliteException)
        {
            await errors.WriteLineAsync($"{Program}: could not start: {e.Message}");
            return 1;
        }
    }
}
