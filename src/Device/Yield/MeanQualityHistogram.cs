using Dipper.Basecaller.Decoding;

namespace Dipper.Device.Yield;

/// <summary>
/// Reads by their mean quality (<see cref="MeanQuality"/>) in bins one Phred unit wide, Q0 to Q50 (the highest
/// quality a base gets), as NanoPlot and pycoQC draw them: 51 counters, whatever the number of reads.
/// </summary>
public sealed class MeanQualityHistogram
{
    private readonly long[] _reads = new long[PhredQuality.Max + 1];

    /// <summary>Adds a read of mean quality <paramref name="meanQuality"/> (to the bin of its whole part).</summary>
    public void Add(double meanQuality)
    {
        var bin = double.IsNaN(meanQuality) ? 0 : (int)Math.Clamp(Math.Floor(meanQuality), 0, PhredQuality.Max);
        _reads[bin]++;
    }

    /// <summary>Reads per bin, from the lowest bin with reads to the highest; empty before any read.</summary>
    public IReadOnlyList<QualityRange> Ranges()
    {
        var first = Array.FindIndex(_reads, r => r > 0);
        if (first < 0) return [];
        var last = Array.FindLastIndex(_reads, r => r > 0);
        return [.. Enumerable.Range(first, last - first + 1).Select(q => new QualityRange(q, _reads[q]))];
    }
}
