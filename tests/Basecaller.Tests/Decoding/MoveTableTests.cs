using Dipper.Basecaller.Decoding;

namespace Dipper.Basecaller.Tests.Decoding;

public class MoveTableTests
{
    [Fact]
    public void One_move_per_base_at_the_frame_it_starts_and_one_entry_per_frame()
    {
        var table = MoveTable.FromPath([1, 4, 5, 9], frames: 10, stride: 6);
        Assert.Equal(6, table.Stride);
        Assert.Equal(new byte[] { 0, 1, 0, 0, 1, 1, 0, 0, 0, 1 }, table.Moves);
        Assert.Equal(4, table.Bases);
    }

    [Fact]
    public void Frames_out_of_order_are_put_in_order_without_losing_a_base()
    {
        // Beam search can report a base later than the next one; every base still gets a frame of its own, in order.
        var table = MoveTable.FromPath([2, 7, 3, 9, 9], frames: 10, stride: 5);
        Assert.Equal(5, table.Bases);
        // Pulled back from the end (9, 9 → 8, 9; 7 → 2 before the 3; 2 → 1), then kept strictly increasing.
        Assert.Equal(new byte[] { 0, 1, 1, 1, 0, 0, 0, 0, 1, 1 }, table.Moves);
    }

    [Fact]
    public void More_bases_than_frames_is_refused()
    {
        Assert.Throws<ArgumentException>(() => MoveTable.FromPath([0, 1, 2], frames: 2, stride: 5));
    }

    [Fact]
    public void Beam_search_gives_each_base_its_frame_so_the_move_table_places_every_base()
    {
        var rows = GreedyCtcDecoderTests.Peaks([1, 1, 0, 2, 0, 0, 3, 3, 4], 0.9);
        var call = new BeamSearchCtcDecoder(new CtcAlphabet("NACGT", 0), 5).Decode(rows, 9);
        var table = MoveTable.FromPath(call.BaseFrames!, 9, 5);
        Assert.Equal(call.Bases.Length, table.Bases);
        Assert.Equal("ACGT", call.Bases);
    }
}
