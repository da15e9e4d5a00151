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
}
