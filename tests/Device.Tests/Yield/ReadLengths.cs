namespace Dipper.Device.Tests.Yield;

/// <summary>Read-length figures computed the textbook way, from every length, to check the histograms against.</summary>
internal static class ReadLengths
{
    /// <summary>N50: the longest reads first, until they hold half of all bases; 0 without bases.</summary>
    public static int N50(IEnumerable<int> lengths)
    {
        var sorted = lengths.OrderDescending().ToList();
        var total = sorted.Sum(l => (long)l);
        long cumulative = 0;
        foreach (var length in sorted)
        {
            cumulative += length;
            if (total > 0 && 2 * cumulative >= total) return length;
        }
        return 0;
    }
}
