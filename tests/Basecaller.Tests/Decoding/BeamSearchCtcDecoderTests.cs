using Dipper.Basecaller.Decoding;

namespace Dipper.Basecaller.Tests.Decoding;

public class BeamSearchCtcDecoderTests
{
    private static readonly CtcAlphabet Dna = new("NACGT", 0);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void Beam5_calls_of_reference_log_probs_equal_the_reference_calls(int read)
    {
        var logProbs = SbonitoReference.ReadLogProbs(read, out var frames);
        var call = new BeamSearchCtcDecoder(Dna, 5).Decode(logProbs, frames);
        Assert.Equal(SbonitoReference.Calls(read, "beam5"), call.Bases);
        Assert.Equal(call.Bases.Length, call.Qualities.Length);
        Assert.All(call.Qualities, q => Assert.InRange(q, (char)(33 + PhredQuality.Min), (char)(33 + PhredQuality.Max)));
    }

    [Fact]
    public void One_decoder_gives_the_same_calls_when_reused_across_reads()
    {
        var decoder = new BeamSearchCtcDecoder(Dna, 5);
        var first = SbonitoReference.ReadLogProbs(2, out var frames2);
        var second = SbonitoReference.ReadLogProbs(0, out var frames0);
        decoder.Decode(first, frames2);
        Assert.Equal(SbonitoReference.Calls(0, "beam5"), decoder.Decode(second, frames0).Bases);
    }

    [Fact]
    public void Paths_summed_over_alignments_beat_the_single_best_path()
    {
        // Each frame: A at 0.4, blank at 0.6 for frame 0..1; best single path is all blank (0.36),
        // but the prefix "A" collects A-A, A-blank, blank-A = 0.16+0.24+0.24 = 0.64.
        var row = new float[] { (float)Math.Log(0.6), (float)Math.Log(0.4), float.NegativeInfinity, float.NegativeInfinity, float.NegativeInfinity };
        var logProbs = row.Concat(row).ToArray();
        Assert.Equal("", new GreedyCtcDecoder(Dna).Decode(logProbs, 2).Bases);
        Assert.Equal("A", new BeamSearchCtcDecoder(Dna, 5).Decode(logProbs, 2).Bases);
    }

    [Fact]
    public void Width_one_keeps_a_single_prefix_and_still_separates_equal_bases()
    {
        int[] path = [1, 1, 0, 1, 2];
        var call = new BeamSearchCtcDecoder(Dna, 1).Decode(GreedyCtcDecoderTests.Peaks(path, 0.97), path.Length);
        Assert.Equal("AAC", call.Bases);
    }

    [Fact]
    public void No_frames_give_no_bases()
    {
        Assert.Same(DecodedSequence.Empty, new BeamSearchCtcDecoder(Dna).Decode([], 0));
    }

    [Theory]
    [InlineData(1, 5)]
    [InlineData(2, 5)]
    [InlineData(3, 3)]
    [InlineData(4, 8)]
    public void Calls_equal_a_plain_prefix_beam_search_over_peaky_and_tied_frames(int seed, int width)
    {
        // Frames like a network's (a blank or one base at up to 0.99) mixed with frames of exact ties and of labels that
        // cannot occur (−∞), where only the order of equal scores decides which prefixes stay.
        const int frames = 3000;
        var random = new Random(seed);
        var logProbs = new float[frames * 5];
        for (var t = 0; t < frames; t++)
        {
            var row = logProbs.AsSpan(t * 5, 5);
            switch (random.Next(6))
            {
                case 0:
                    row.Fill((float)Math.Log(0.2));
                    break;
                case 1:
                    row.Fill(float.NegativeInfinity);
                    row[0] = row[1 + random.Next(4)] = (float)Math.Log(0.5);
                    break;
                default:
                    var peak = random.Next(3) == 0 ? 1 + random.Next(4) : 0;
                    var weights = new double[5];
                    for (var c = 0; c < 5; c++) weights[c] = c == peak ? 20 + 80 * random.NextDouble() : random.NextDouble();
                    var sum = weights.Sum();
                    for (var c = 0; c < 5; c++) row[c] = (float)Math.Log(weights[c] / sum);
                    break;
            }
        }
        Assert.Equal(PlainPrefixBeamSearch(logProbs, frames, width), new BeamSearchCtcDecoder(Dna, width).Decode(logProbs, frames).Bases);
    }

    /// <summary>
    /// The prefix beam search of the reference pipeline written as plainly as it reads: every prefix a string, its two
    /// sums kept in the order the prefixes are first met, a stable sort, and renormalisation, with no tree and no reuse.
    /// </summary>
    private static string PlainPrefixBeamSearch(float[] logProbs, int frames, int width)
    {
        var beams = new List<(string Prefix, double Blank, double Label)> { ("", 1.0, 0.0) };
        for (var t = 0; t < frames; t++)
        {
            var p = new double[5];
            for (var c = 0; c < 5; c++) p[c] = Math.Exp(logProbs[t * 5 + c]);
            var order = new List<string>();
            var sums = new Dictionary<string, (double Blank, double Label)>();
            void Add(string prefix, double blank, double label)
            {
                if (!sums.TryGetValue(prefix, out var sum)) order.Add(prefix);
                sums[prefix] = (sum.Blank + blank, sum.Label + label);
            }
            foreach (var (prefix, pb, pnb) in beams)
            {
                var last = prefix.Length > 0 ? Dna.Symbols.IndexOf(prefix[^1]) : -1;
                Add(prefix, (pb + pnb) * p[0], last > 0 ? pnb * p[last] : 0.0);
                for (var c = 1; c < 5; c++) Add(prefix + Dna.Symbols[c], 0.0, (c == last ? pb : pb + pnb) * p[c]);
            }
            var kept = order.Select((prefix, index) => (prefix, index, score: sums[prefix].Blank + sums[prefix].Label))
                .OrderByDescending(x => x.score).ThenBy(x => x.index).Take(width).ToList();
            var z = 0.0;
            foreach (var k in kept) z += k.score;
            beams = kept.Select(k => (k.prefix, sums[k.prefix].Blank / z, sums[k.prefix].Label / z)).ToList();
        }
        var best = 0;
        for (var j = 1; j < beams.Count; j++)
        {
            if (beams[j].Blank + beams[j].Label > beams[best].Blank + beams[best].Label) best = j;
        }
        return beams[best].Prefix;
    }
}
