using Dipper.Basecaller.Native;
using Dipper.Basecaller.Output;
using Microsoft.Extensions.Options;

namespace Dipper.Device.Service;

/// <summary>
/// Checks <see cref="OutputOptions"/> when the host starts: an unknown format, a quality threshold out of range, moves
/// asked of a format that cannot carry them, or a SAM/BAM/CRAM output without htslib installed (named by its package).
/// </summary>
public sealed class OutputOptionsValidator : IValidateOptions<OutputOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, OutputOptions options)
    {
        var problems = new List<string>();
        if (OutputFormats.Parse(options.Format) is not { } format)
        {
            problems.Add($"Output:Format: unknown format '{options.Format}' (known: {string.Join(", ", Enum.GetNames<OutputFormat>().Select(n => n.ToLowerInvariant()))})");
            return ValidateOptionsResult.Fail(problems);
        }
        if (format == OutputFormat.Fasta)
            problems.Add("Output:Format fasta is for dipperd basecall; the service writes fastq, bam, sam or cram (FASTA has no qualities to filter or summarise)");
        if (options.MinQScore is < 0 or > 60 || double.IsNaN(options.MinQScore))
            problems.Add($"Output:MinQScore must be 0 (no filter) to 60, not {options.MinQScore}");
        if (options.EmitMoves && !format.IsHts())
            problems.Add($"Output:EmitMoves needs a SAM, BAM or CRAM output (Output:Format), not {options.Format}");
        if (format.IsHts())
        {
            try
            {
                HtsNative.EnsureLoaded();
            }
            catch (HtsUnavailableException e)
            {
                problems.Add($"Output:Format {options.Format}: {e.Message}");
            }
        }
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
