using Dipper.Compiler.Numerics;
using Dipper.Compiler.Passes.Compression;

namespace Dipper.Compiler.Tests.Passes.Compression;

public class MagnitudePruningTests
{
    [Fact]
    public void Half_sparsity_zeroes_the_three_smallest_of_six_weights_across_rows()
    {
        var w = new Matrix<float>(2, 3, [0.5f, -0.1f, 2f, -3f, 0.2f, 0.05f]);

        var pruned = MagnitudePruning.Prune(w, 0.5);

        Assert.Equal([0.5f, 0f, 2f, -3f, 0f, 0f], pruned.AsSpan().ToArray());
        Assert.Equal(-0.1f, w[0, 1]);   // the input is left alone
    }

    [Fact]
    public void Two_four_keeps_the_two_largest_of_every_four_inputs()
    {
        var w = new Matrix<float>(1, 8, [1f, -4f, 3f, 2f, 0.5f, 0.1f, -0.2f, 9f]);

        var pruned = MagnitudePruning.Prune(w, new NmPattern(2, 4));

        Assert.Equal([0f, -4f, 3f, 0f, 0.5f, 0f, 0f, 9f], pruned.AsSpan().ToArray());
    }

    [Fact]
    public void Sparsity_counts_zeros_as_int_of_numel_times_s()
    {
        var (w, _) = TestLayers.Synthetic(96, 64, 6);

        var pruned = MagnitudePruning.Prune(w, 0.7);

        Assert.Equal(w.Count - (int)(w.Count * 0.7), pruned.CountNonzeros());
    }
}
