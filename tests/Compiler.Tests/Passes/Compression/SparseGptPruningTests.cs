using Dipper.Compiler.Numerics;
using Dipper.Compiler.Passes.Compression;

namespace Dipper.Compiler.Tests.Passes.Compression;

public class SparseGptPruningTests
{
    [Fact]
    public void Uncorrelated_inputs_give_magnitude_pruning_without_update()
    {
        // H = I: the inverse factor is diagonal, so no error is pushed onto other weights, and the
        // score w²/d² orders weights by magnitude. The reference's "<=" threshold prunes int(numel·s)+1.
        var w = new Matrix<float>(2, 4, [0.5f, -0.1f, 2f, 0.7f, -3f, 0.2f, 0.05f, 1f]);

        var pruned = SparseGptPruning.Prune(w, Matrix<double>.Identity(4), 0.5);

        Assert.Equal([0f, 0f, 2f, 0f, -3f, 0f, 0f, 1f], pruned.AsSpan().ToArray());   // 5 of 8 go
    }

    [Fact]
    public void Weight_update_beats_magnitude_and_wanda_on_correlated_inputs()
    {
        var (w, h) = TestLayers.Synthetic(64, 64, 5);

        var sparseGpt = TestLayers.Error(w, SparseGptPruning.Prune(w, h, 0.5), h);

        Assert.True(sparseGpt < 0.6 * TestLayers.Error(w, WandaPruning.Prune(w, h, 0.5), h));
        Assert.True(sparseGpt < 0.3 * TestLayers.Error(w, MagnitudePruning.Prune(w, 0.5), h));
    }

    [Fact]
    public void Blocks_of_128_inputs_each_lose_int_numel_s_plus_one_weights()
    {
        var (w, h) = TestLayers.Synthetic(16, 320, 3);

        var pruned = SparseGptPruning.Prune(w, h, 0.6);

        // Blocks of 128, 128 and 64 inputs.
        var expected = 0;
        foreach (var columns in new[] { 128, 128, 64 }) expected += 16 * columns - ((int)(16 * columns * 0.6) + 1);
        Assert.Equal(expected, pruned.CountNonzeros());
    }

    [Fact]
    public void Four_eight_leaves_exactly_four_weights_in_every_group_of_eight()
    {
        var (w, h) = TestLayers.Synthetic(32, 64, 4);

        var pruned = SparseGptPruning.Prune(w, h, new NmPattern(4, 8));

        for (var r = 0; r < 32; r++)
            for (var g = 0; g < 64; g += 8)
                Assert.Equal(4, TestLayers.NonzerosInRowGroup(pruned, r, g, 8));
    }

    [Fact]
    public void Dead_inputs_lose_their_weights()
    {
        var (w, h) = TestLayers.Synthetic(8, 16, 2);
        for (var j = 0; j < 16; j++) h[3, j] = h[j, 3] = 0;

        var pruned = SparseGptPruning.Prune(w, h, 0.25);

        for (var r = 0; r < 8; r++) Assert.Equal(0f, pruned[r, 3]);
    }
}
