using System.Diagnostics;
using System.Text;

namespace Dipper.Compiler.Labelling;

/// <summary>
/// Aligns called reads to a reference with minimap2, run as a process (<c>-c -x map-ont --secondary=no</c>: PAF
/// with CIGARs, nanopore presets, no secondary alignments), and keeps each read's primary alignment.
/// </summary>
public sealed class Minimap2Aligner
{
    /// <summary>Name of the executable.</summary>
    public const string Executable = "minimap2";

    /// <summary>How to get it, for messages.</summary>
    public const string HowToInstall = "install the Debian package minimap2 (sudo apt install minimap2), or put a minimap2 binary on PATH";

    private readonly string _executable;

    private Minimap2Aligner(string executable) => _executable = executable;

    /// <summary>minimap2 on the directories of <paramref name="searchPath"/> (the process's PATH when null).</summary>
    /// <exception cref="AlignerUnavailableException">It is on none of them.</exception>
    public static Minimap2Aligner Locate(string? searchPath = null)
    {
        var path = searchPath ?? Environment.GetEnvironmentVariable("PATH") ?? "";
        var found = path.Split(Path.PathSeparator).Where(d => d.Length > 0)
            .Select(d => Path.Combine(d, Executable)).FirstOrDefault(File.Exists);
        return found is null
            ? throw new AlignerUnavailableException($"aligning the calls to the reference needs minimap2, which is not on PATH: {HowToInstall}")
            : new Minimap2Aligner(found);
    }

    /// <summary>
    /// Aligns <paramref name="calls"/> (read id → bases) to <paramref name="reference"/> and returns each mapped
    /// read's primary alignment (the one with most matches if minimap2 reports a supplementary one as primary too).
    /// Reads that do not map are absent. The calls go through a FASTA file in <paramref name="workFolder"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">minimap2 failed; its message is included.</exception>
    public async Task<IReadOnlyDictionary<string, ReadAlignment>> AlignAsync(string reference, IEnumerable<KeyValuePair<string, string>> calls,
        string workFolder, int threads, CancellationToken cancellationToken)
    {
        var queries = Path.Combine(workFolder, "calls.fasta");
        await using (var fasta = new StreamWriter(queries, false, new UTF8Encoding(false)))
        {
            foreach (var (id, bases) in calls)
            {
                if (bases.Length == 0) continue;
                await fasta.WriteAsync($">{id}\n{bases}\n");
            }
        }
        var start = new ProcessStartInfo(_executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "-c", "-x", "map-ont", "--secondary=no", "-t", Math.Max(1, threads).ToString(System.Globalization.CultureInfo.InvariantCulture), reference, queries })
            start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{_executable} did not start");
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        var best = new Dictionary<string, ReadAlignment>(StringComparer.Ordinal);
        try
        {
            while (await process.StandardOutput.ReadLineAsync(cancellationToken) is { } line)
            {
                if (line.Length == 0) continue;
                var alignment = ReadAlignment.ParsePaf(line);
                if (!alignment.Primary) continue;
                if (!best.TryGetValue(alignment.ReadId, out var kept) || alignment.Matches > kept.Matches)
                    best[alignment.ReadId] = alignment;
            }
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        finally
        {
            File.Delete(queries);
        }
        if (process.ExitCode != 0)
        {
            var message = (await errors).Trim();
            throw new InvalidOperationException($"minimap2 failed (exit code {process.ExitCode}): {(message.Length > 0 ? message : "no message")}");
        }
        return best;
    }
}
