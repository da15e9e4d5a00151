using Dipper.Basecaller.Models;
using Dipper.Compiler.Calibration;
using Dipper.Compiler.Commands;
using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Execution;
using Dipper.Compiler.Passes;
using Dipper.Compiler.Quantisation;

namespace Dipper.Compiler.Compilation;

/// <summary>What calibration measured: the graph it ran, every activation's range, and the input clip.</summary>
/// <param name="Graph">The graph calibration ran, with Swish lowered as the compiled models compute it.</param>
/// <param name="Statistics">Histograms and channel means of every activation.</param>
/// <param name="Ranges">The range each activation is quantised to.</param>
/// <param name="Clip">The input range is ±Clip (the manifest's normalisation clip, or the largest input seen).</param>
public sealed record CalibratedModel(ModelGraph Graph, ActivationStatistics Statistics, IReadOnlyDictionary<string, ActivationRange> Ranges, float Clip);

/// <summary>
/// calibrate: loads real reads (the chunks to calibrate on, and whole reads held out for verification)
/// and runs the float model over the calibration chunks to measure each activation's range.
/// <c>dipper compress</c> shares the loading of reads; its layers are calibrated on the same chunks.
/// </summary>
public static class CalibrateStage
{
    /// <summary>Loads the calibration set from signal files or folders.</summary>
    /// <exception cref="InvalidDataException">No usable reads were found.</exception>
    public static Task<CalibrationSet> LoadReadsAsync(IEnumerable<string> inputs, ModelManifest manifest, CalibrationSetOptions options,
        CancellationToken cancellationToken) => CalibrationSet.LoadAsync(inputs, manifest, options, cancellationToken);

    /// <summary>Lists the first few skipped reads and files on the error stream.</summary>
    public static void ReportProblems(CalibrationSet set, string command, TextWriter errors)
    {
        foreach (var problem in set.Problems.Take(5)) errors.WriteLine($"{command}: {problem}");
        if (set.Problems.Count > 5) errors.WriteLine($"{command}: … and {set.Problems.Count - 5} more reads skipped");
    }

    /// <summary>What a package's provenance says of the reads it was calibrated on (compile adds its held-out reads and ranges).</summary>
    public static Dictionary<string, object> Summary(CalibrationSet set) => new()
    {
        ["files"] = set.Files.Select(Path.GetFileName).ToArray(),
        ["reads"] = set.CalibrationReads,
        ["chunks"] = set.Chunks.Count,
    };

    /// <summary>Lowers Swish and measures every activation of <paramref name="graph"/> on the calibration chunks.</summary>
    public static CalibratedModel Run(ModelGraph graph, CalibrationSet set, ModelManifest manifest, CompileSettings settings, TextWriter output,
        CancellationToken cancellationToken)
    {
        var lowered = LowerSwish.Apply(graph);
        var calibrationProgress = new ProgressLine(output, "calibration", set.Chunks.Count, "chunks");
        var statistics = Calibrator.Collect(new FloatExecutor(lowered), set.Chunks, settings.Batch, settings.Threads, calibrationProgress, cancellationToken);
        var ranges = statistics.Ranges(settings.Range, settings.Percentile);
        var input = statistics.Histograms[lowered.Inputs[0].Name];
        var clip = (float)(manifest.Normalisation.Clip ?? Math.Max(Math.Abs(input.Min), input.Max));
        return new CalibratedModel(lowered, statistics, ranges, clip);
    }
}
