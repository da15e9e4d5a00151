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
    private readonly Dictionary<string, (double[] Sums, long Count)> _channelSums = [];

    /// <summary>Histograms by value name.</summary>
    public IReadOnlyDictionary<string, ActivationHistogram> Histograms => _histograms;

    /// <summary>Records a value the executor produced (pass as its observer).</summary>
    public void Observe(string name, FloatTensor tensor)
    {
        if (!_histograms.TryGetValue(name, out var histogram)) _histograms[name] = histogram = new ActivationHistogram();
        histogram.Add(tensor.Values);
        if (tensor.Rank != 3) return;
        // [batch, channels, time]: per-channel sums, for the means bias correction needs.
        var (batch, channels, length) = (tensor.Shape[0], tensor.Shape[1], tensor.Shape[2]);
        if (!_channelSums.TryGetValue(name, out var sums)) sums = (new double[channels], 0);
        for (var b = 0; b < batch; b++)
        {
            for (var c = 0; c < channels; c++)
            {
                var row = tensor.Values.AsSpan((b * channels + c) * length, length);
                double sum = 0;
                foreach (var v in row) sum += v;
                sums.Sums[c] += sum;
            }
        }
        _channelSums[name] = (sums.Sums, sums.Count + (long)batch * length);
    }

    /// <summary>Mean of each channel of every [batch, channels, time] value, by value name.</summary>
    public Dictionary<string, double[]> ChannelMeans() =>
        _channelSums.ToDictionary(s => s.Key, s => s.Value.Sums.Select(v => v / s.Value.Count).ToArray());

    /// <summary>Adds another thread's statistics.</summary>
    public void Merge(ActivationStatistics other)
    {
        foreach (var (name, histogram) in other._histograms)
        {
            if (!_histograms.TryGetValue(name, out var mine)) _histograms[name] = mine = new ActivationHistogram();
            mine.Merge(histogram);
        }
        foreach (var (name, (sums, count)) in other._channelSums)
        {
            if (!_channelSums.TryGetValue(name, out var mine)) mine = (new double[sums.Length], 0);
            for (var c = 0; c < sums.Length; c++) mine.Sums[c] += sums[c];
            _channelSums[name] = (mine.Sums, mine.Count + count);
        }
    }

    /// <summary>The range of every value by one method.</summary>
    public Dictionary<string, ActivationRange> Ranges(RangeMethod method, double percentile = 99.99) =>
        _histograms.ToDictionary(h => h.Key, h => h.Value.Range(method, percentile));
}
