using System.CommandLine;
using System.Globalization;
using System.Text;
using Dipper.Basecaller.Signal;

namespace Dipper.Compiler.Commands;

/// <summary>
/// <c>dipper reads FILE_OR_DIR... [--metadata]</c>: one TSV line per read, in a form that can be
/// compared with the formats' own reference decoders. Used to check that a signal file is readable
/// (e.g. before a run is shipped to the lab) and to validate readers.
/// </summary>
public static class ReadsCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var inputs = new Argument<string[]>("inputs")
        {
            Description = "Signal files (POD5, FAST5, SLOW5, BLOW5) or folders searched recursively",
            Arity = ArgumentArity.OneOrMore,
        };
        // An unknown option would otherwise be taken for a file name and reported as a missing file.
        inputs.Validators.Add(result =>
        {
            foreach (var token in result.Tokens)
            {
                if (token.Value.StartsWith('-') && !File.Exists(token.Value) && !Directory.Exists(token.Value))
                    result.AddError($"unknown option '{token.Value}'");
            }
        });
        var metadata = new Option<bool>("--metadata")
        {
            Description = "Add sample rate, calibration offset and scale, channel and run id columns",
        };
        var command = new Command("reads", "Print read id, sample count, sum of raw samples and the first five samples of every read")
        {
            inputs,
            metadata,
        };
        command.SetAction(async (result, ct) =>
            await RunAsync(result.GetValue(inputs)!, result.GetValue(metadata), Console.Out, Console.Error, ct));
        return command;
    }

    /// <summary>Prints every read of every input; returns 0 when all files were read whole, 1 otherwise.</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> inputs, bool metadata, TextWriter output,
        TextWriter errors, CancellationToken cancellationToken)
    {
        var failed = false;
        IEnumerable<string> files;
        try
        {
            files = SignalFile.Find(inputs).ToList();
        }
        catch (FileNotFoundException e)
        {
            await errors.WriteLineAsync($"dipper reads: {e.Message}");
            return 1;
        }
        var line = new StringBuilder();
        foreach (var file in files)
        {
            try
            {
                await using var reader = SignalFile.Open(file);
                await foreach (var read in reader.ReadAllAsync(cancellationToken))
                {
                    Format(read, metadata, line);
                    await output.WriteLineAsync(line.ToString());
                }
            }
            catch (SignalFormatException e)
            {
                failed = true;
                await errors.WriteLineAsync($"dipper reads: {e.Message}");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                failed = true;
                await errors.WriteLineAsync($"dipper reads: {file}: {e.Message}");
            }
        }
        await output.FlushAsync(cancellationToken);
        return failed ? 1 : 0;
    }

    private static void Format(Read read, bool metadata, StringBuilder line)
    {
        var inv = CultureInfo.InvariantCulture;
        long sum = 0;
        foreach (var s in read.Signal) sum += s;
        line.Clear();
        line.Append(read.ReadId).Append('\t').Append(read.SampleCount.ToString(inv)).Append('\t').Append(sum.ToString(inv)).Append('\t');
        var first = Math.Min(5, read.SampleCount);
        for (var i = 0; i < first; i++)
        {
            if (i > 0) line.Append(',');
            line.Append(read.Signal[i].ToString(inv));
        }
        if (metadata)
        {
            line.Append('\t').Append(read.SampleRate.ToString("R", inv))
                .Append('\t').Append(read.Calibration.Offset.ToString("R", inv))
                .Append('\t').Append(read.Calibration.Scale.ToString("R", inv))
                .Append('\t').Append(read.Channel.ToString(inv))
                .Append('\t').Append(read.RunId ?? "");
        }
    }
}
