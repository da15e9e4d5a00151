using Dipper.Compiler.Numerics;
using Dipper.Compiler.Passes.Compression;

namespace Dipper.Compiler.Tests.Passes.Compression;

public class AdmmPruningTests
{
    [Fact]
    public void Zero_sparsity_returns_the_dense_weights()
    {
        var (w, h) = TestLayers.Synthetic(32, 48, 8);

        var same = AdmmPruning.Prune(w, h, 0.0);

        for (var i = 0; i < w.Rows; i++)
            for (var j = 0; j < w.Columns; j++)
                Assert.Equal(w[i, j], same[i, j], 2e-5f);
    }

    [Fact]
    public void Weight_update_with_mask_selection_beats_sparsegpt_and_the_fixed_mask()
    {
        var (w, h) = TestLayers.Synthetic(64, 64, 5);

        var repository = TestLayers.Error(w, AdmmPruning.Prune(w, h, 0.6), h);
        var cubic = TestLayers.Error(w, AdmmPruning.Prune(w, h, 0.6, new AdmmOptions { Schedule = AdmmMaskSchedule.Cubic }), h);
        var fixedMask = TestLayers.Error(w, AdmmPruning.Prune(w, h, 0.6, new AdmmOptions { Schedule = AdmmMaskSchedule.FixedMask }), h);
        var sparseGpt = TestLayers.Error(w, SparseGptPruning.Prune(w, h, 0.6), h);

        Assert.True(cubic < repository, $"cubic {cubic} vs repository {repository}");
        Assert.True(repository < fixedMask, $"repository {repository} vs fixed mask {fixedMask}");
        Assert.True(fixedMask < sparseGpt, $"fixed mask {fixedMask} vs SparseGPT {sparseGpt}");
    }

    [Fact]
    public void Fixed_mask_is_the_layer_wide_wanda_mask()
    {
        var (w, h) = TestLayers.Synthetic(24, 40, 9);

        var pruned = AdmmPruning.Prune(w, h, 0.5, new AdmmOptions { Schedule = AdmmMaskSchedule.FixedMask });

        // Keep the largest |W_ij|·‖X_j‖ over the whole layer.
        var scores = new float[w.Count];
        for (var i = 0; i < w.Rows; i++)
            for (var j = 0; j < w.Columns; j++)
                scores[i * w.Columns + j] = MathF.Abs(w[i, j]) * (MathF.Sqrt((float)h[j, j]) + 1e-8f);
        var threshold = scores.Order().ElementAt(w.Count / 2 - 1);
        for (var i = 0; i < w.Rows; i++)
            for (var j = 0; j < w.Columns; j++)
                Assert.Equal(scores[i * w.Columns + j] > threshold, pruned[i, j] != 0);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.8)]
    public void Unstructured_result_has_exactly_int_numel_s_zeros(double sparsity)
    {
        var (w, h) = TestLayers.Synthetic(48, 32, 10);

        var pruned = AdmmPruning.Prune(w, h, sparsity, new AdmmOptions { Schedule = AdmmMaskSchedule.Cubic });

        Assert.Equal(w.Count - (int)(w.Count * sparsity), pruned.CountNonzeros());
    }

    [Fact]
    public void Four_eight_keeps_exactly_four_of_every_eight_and_not_two_of_every_four()
    {
        var (w, h) = TestLayers.Synthetic(32, 64, 4);

        var pruned = AdmmPruning.Prune(w, h, new NmPattern(4, 8));

        var unevenHalves = 0;
        for (var r = 0; r < 32; r++)
            for (var g = 0; g < 64; g += 8)
            {
                Assert.Equal(4, TestLayers.NonzerosInRowGroup(pruned, r, g, 8));
                if (TestLayers.NonzerosInRowGroup(pruned, r, g, 4) != 2) unevenHalves++;
            }
        // The reference's code would have forced 2 in each half; a true 4:8 mask often does not.
        Assert.True(unevenHalves > 50, $"{unevenHalves} groups with an uneven split");
        var error48 = TestLayers.Error(w, pruned, h);
        var error24 = TestLayers.Error(w, AdmmPruning.Prune(w, h, new NmPattern(2, 4)), h);
        Assert.True(error48 < error24, $"4:8 {error48} vs 2:4 {error24}");
    }

    [Fact]
    public void Two_four_keeps_exactly_two_of_every_four()
    {
        var (w, h) = TestLayers.Synthetic(16, 32, 3);

        var pruned = AdmmPruning.Prune(w, h, new NmPattern(2, 4));

        for (var r = 0; r < 16; r++)
            for (var g = 0; g < 32; g += 4)
                Assert.Equal(2, TestLayers.NonzerosInRowGroup(pruned, r, g, 4));
    }
}
