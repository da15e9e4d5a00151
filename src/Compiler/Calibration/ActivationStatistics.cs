using Dipper.Compiler.Graph.Execution;
using Dipper.Compiler.Quantisation;

namespace Dipper.Compiler.Calibration;

/// <summary>
/// One <see cref="ActivationHistogram"/> per value of a graph, filled by watching the float
/// reference executor run calibration chunks. Not thread-safe: each calibration thread fills its
/// own and they are merged.
/// </summary>
public sealed class ActivationStatistics
{
    private readonly Dictionary<string, ActivationHistogram> _histograms = [];

    /// <summary>Histograms by value name.</summary>
    public IReadOnlyDictionary<string, ActivationHistogram> Histograms => _histograms;

    /// <summary>Records a value the executor produced (pass as its observer).</summary>
    public void Observe(string name, FloatTensor tensor)
    {
        if (!_histograms.TryGetValue(name, out var histogram)) _histograms[name] = histogram = new ActivationHistogram();
        histogram.Add(tensor.Values);
    }

    /// <summary>Adds another thread's statistics.</summary>
    public void Merge(ActivationStatistics other)
    {
        foreach (var (name, histogram) in other._histograms)
        {
            if (!_histograms.TryGetValue(name, out var mine)) _histograms[name] = mine = new ActivationHistogram();
            mine.Merge(histogram);
        }
    }

    /// <summary>The range of every value by one method.</summary>
    public Dictionary<string, ActivationRange> Ranges(RangeMethod method, double percentile = 99.99) =>
        _histograms.ToDictionary(h => h.Key, h => h.Value.Range(method, percentile));
}
