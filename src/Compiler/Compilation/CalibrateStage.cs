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
public sealed record CalibratedModel(ModelGraph Graph, ActivationStatistics Statistics, IReadOnlyDictionary<string, ActivationRange> Ranges, float Clip)
{
    /// <summary>
    /// The input's calibrated range when it is not the symmetric ±<see cref="Clip"/> of a normalised signal: a pooled model's
    /// part after the pooling takes pooled features (swish outputs, nearly all positive), whose int8 steps a symmetric range
    /// would halve. Null for a signal input.
    /// </summary>
    public ActivationRange? InputRange { get; init; }
}

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
        var (lowered, statistics, ranges) = Measure(graph, set.Chunks, 1, "calibration", settings, output, cancellationToken);
        var input = statistics.Histograms[lowered.Inputs[0].Name];
        var clip = (float)(manifest.Normalisation.Clip ?? Math.Max(Math.Abs(input.Min), input.Max));
        return new CalibratedModel(lowered, statistics, ranges, clip);
    }

    /// <summary>
    /// Lowers Swish and measures every activation of the part of a pooled model after the pooling (input [batch, frames,
    /// channels]) on <paramref name="windows"/> of pooled frames (<see cref="PooledCalibration"/>); the input is quantised to
    /// its own calibrated range.
    /// </summary>
    public static CalibratedModel RunOnPooledWindows(ModelGraph afterPooling, IReadOnlyList<float[]> windows, int channels, CompileSettings settings,
        TextWriter output, CancellationToken cancellationToken)
    {
        var (lowered, statistics, ranges) = Measure(afterPooling, windows, channels, "calibration (pooled windows)", settings, output, cancellationToken);
        var range = ranges[lowered.Inputs[0].Name];
        return new CalibratedModel(lowered, statistics, ranges, (float)Math.Max(Math.Abs(range.Min), Math.Abs(range.Max))) { InputRange = range };
    }

    private static (ModelGraph Lowered, ActivationStatistics Statistics, Dictionary<string, ActivationRange> Ranges) Measure(ModelGraph graph,
        IReadOnlyList<float[]> chunks, int channels, string what, CompileSettings settings, TextWriter output, CancellationToken cancellationToken)
    {
        var lowered = LowerSwish.Apply(graph);
        var progress = new ProgressLine(output, what, chunks.Count, "chunks");
        var statistics = Calibrator.Collect(new FloatExecutor(lowered), chunks, settings.Batch, settings.Threads, progress, cancellationToken, channels);
        return (lowered, statistics, statistics.Ranges(settings.Range, settings.Percentile));
    }
}
