using Dipper.Basecaller.Decoding;

namespace Dipper.Basecaller.Tests.Decoding;

public class GreedyCtcDecoderTests
{
    private static readonly CtcAlphabet Dna = new("NACGT", 0);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void Greedy_calls_of_reference_log_probs_equal_the_reference_calls(int read)
    {
        var logProbs = SbonitoReference.ReadLogProbs(read, out var frames);
        var call = new GreedyCtcDecoder(Dna).Decode(logProbs, frames);
        Assert.Equal(SbonitoReference.Calls(read, "greedy"), call.Bases);
        Assert.Equal(call.Bases.Length, call.Qualities.Length);
    }

    [Fact]
    public void Repeats_collapse_and_a_blank_separates_equal_bases()
    {
        // Frames: A A blank A C C blank blank G -> "AACG"
        int[] path = [1, 1, 0, 1, 2, 2, 0, 0, 3];
        var call = new GreedyCtcDecoder(Dna).Decode(Peaks(path, 0.9), path.Length);
        Assert.Equal("AACG", call.Bases);
    }

    [Fact]
    public void Each_base_carries_the_frame_where_its_emission_starts()
    {
        // Frames: blank A A blank A C C blank blank G -> A@1, A@4, C@5, G@9
        int[] path = [0, 1, 1, 0, 1, 2, 2, 0, 0, 3];
        var call = new GreedyCtcDecoder(Dna).Decode(Peaks(path, 0.9), path.Length);
        Assert.Equal("AACG", call.Bases);
        Assert.Equal([1, 4, 5, 9], call.BaseFrames!);
    }

    [Fact]
    public void A_long_confident_peak_scores_higher_than_a_short_unsure_one()
    {
        var logProbs = new List<float>();
        // A over three frames at p=0.999, then blank, then C over one frame at p=0.5.
        logProbs.AddRange(Peaks([1, 1, 1, 0], 0.999));
        logProbs.AddRange(Row(2, 0.5));
        var call = new GreedyCtcDecoder(Dna).Decode(logProbs.ToArray(), 5);
        Assert.Equal("AC", call.Bases);
        Assert.Equal(PhredQuality.ToChar(0.999), call.Qualities[0]);
        Assert.Equal(PhredQuality.ToChar(0.5), call.Qualities[1]);
        Assert.True(call.Qualities[0] > call.Qualities[1]);
    }

    [Fact]
    public void A_read_of_blanks_has_no_bases()
    {
        var call = new GreedyCtcDecoder(Dna).Decode(Peaks([0, 0, 0], 0.99), 3);
        Assert.Same(DecodedSequence.Empty, call);
    }

    /// <summary>One frame per label with the label at probability p, the rest shared equally.</summary>
    internal static float[] Peaks(int[] labels, double p) => labels.SelectMany(l => Row(l, p)).ToArray();

    internal static float[] Row(int label, double p)
    {
        var row = new float[5];
        for (var c = 0; c < 5; c++) row[c] = (float)Math.Log(c == label ? p : (1 - p) / 4);
        return row;
    }
}
