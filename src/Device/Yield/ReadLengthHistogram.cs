namespace Dipper.Device.Yield;

/// <summary>
/// Read lengths in fixed bins, fine enough to give the N50 and the yield without keeping a list of reads.
/// Bins are 1 base wide below 1,000 bases, then a hundredth of their decade's start wide: 10 bases from 1 kb,
/// 100 from 10 kb, 1,000 from 100 kb (0.1 to 1 % of a read's length). Each bin keeps its reads, its bases and
/// its shortest and longest read, so the yield is exact and the N50 is exact whenever the reads in the bin that
/// holds it have one length (always below 1 kb), and otherwise within that bin (its reads' mean length).
/// </summary>
/// <remarks>
/// Memory: a decade's bins (900 of 24 bytes, 22 kB) are allocated when its first read arrives; a run of reads
/// from 200 bases to 200 kb holds four decades, under 90 kB, whatever its number of reads.
/// </remarks>
public sealed class ReadLengthHistogram
{
    // Decade 0: lengths 0–999 in 1-base bins; decade d ≥ 1: lengths 10^(d+2) to 10^(d+3) − 1 in bins of 10^(d−1).
    private const int Decades = 8;
    private const int FirstDecadeBins = 1000;
    private const int DecadeBins = 900;
    private readonly LengthBin[]?[] _decades = new LengthBin[Decades][];

    // Lower edges of the coarse ranges: 0, the 1-2-5 series from 100 bases to 500 Mb, and 1 Gb for whatever is longer.
    private static readonly long[] CoarseEdges =
        [0, .. Enumerable.Range(2, 7).SelectMany(p => new[] { 1L, 2, 5 }.Select(m => m * (long)Math.Pow(10, p))), 1_000_000_000];

    /// <summary>Reads added.</summary>
    public long Reads { get; private set; }

    /// <summary>Bases of the reads added: the yield.</summary>
    public long Bases { get; private set; }

    /// <summary>Adds one read of <paramref name="length"/> bases.</summary>
    public void Add(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var (decade, index) = Locate(length);
        var bins = _decades[decade] ??= new LengthBin[decade == 0 ? FirstDecadeBins : DecadeBins];
        ref var bin = ref bins[index];
        bin.Shortest = bin.Reads == 0 ? length : Math.Min(bin.Shortest, length);
        bin.Longest = Math.Max(bin.Longest, length);
        bin.Reads++;
        bin.Bases += length;
        Reads++;
        Bases += length;
    }

    /// <summary>
    /// The read length N50: half of all bases are in reads at least this long. Exact when the reads of the bin
    /// holding it share one length, else their mean length (within the bin's width); 0 before any base.
    /// </summary>
    public int N50()
    {
        if (Bases == 0) return 0;
        long cumulative = 0;
        for (var decade = Decades - 1; decade >= 0; decade--)
        {
            if (_decades[decade] is not { } bins) continue;
            for (var i = bins.Length - 1; i >= 0; i--)
            {
                ref readonly var bin = ref bins[i];
                if (bin.Reads == 0) continue;
                cumulative += bin.Bases;
                if (2 * cumulative >= Bases)
                    return bin.Shortest == bin.Longest ? bin.Shortest : (int)Math.Clamp(Math.Round((double)bin.Bases / bin.Reads), bin.Shortest, bin.Longest);
            }
        }
        return 0;
    }

    /// <summary>
    /// Reads and bases in the coarse bins the status page draws, edges on the 1-2-5 series (100, 200, 500, 1k, 2k …),
    /// from the first bin with reads to the last; empty before any read.
    /// </summary>
    public IReadOnlyList<LengthRange> Ranges()
    {
        var reads = new long[CoarseEdges.Length];
        var bases = new long[CoarseEdges.Length];
        foreach (var bins in _decades.OfType<LengthBin[]>())
        {
            foreach (var bin in bins)
            {
                if (bin.Reads == 0) continue;
                // A fine bin never straddles a coarse edge: every edge is a multiple of the fine width of its decade.
                var range = Array.FindLastIndex(CoarseEdges, edge => edge <= bin.Shortest);
                reads[range] += bin.Reads;
                bases[range] += bin.Bases;
            }
        }
        var first = Array.FindIndex(reads, r => r > 0);
        if (first < 0) return [];
        var last = Array.FindLastIndex(reads, r => r > 0);
        return [.. Enumerable.Range(first, last - first + 1)
            .Select(i => new LengthRange(CoarseEdges[i], i + 1 < CoarseEdges.Length ? CoarseEdges[i + 1] : null, reads[i], bases[i]))];
    }


    private static (int Decade, int Index) Locate(int length)
    {
        if (length < FirstDecadeBins) return (0, length);
        var decade = 1;
        long start = 1000;
        while (decade < Decades - 1 && length >= start * 10)
        {
            start *= 10;
            decade++;
        }
        var width = start / 100;
        return (decade, (int)Math.Min((length - start) / width, DecadeBins - 1));
    }

    private struct LengthBin
    {
        public long Reads;
        public long Bases;
        public int Shortest;
        public int Longest;
    }
}
