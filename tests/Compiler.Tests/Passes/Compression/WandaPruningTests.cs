using Dipper.Compiler.Numerics;
using Dipper.Compiler.Passes.Compression;

namespace Dipper.Compiler.Tests.Passes.Compression;

public class WandaPruningTests
{
    // Input norms ‖X_:,j‖ = √H_jj = 1, 10, 2, 0.5.
    private static readonly Matrix<double> Gram = Matrix<double>.Create(4, 4, (i, j) => i == j ? new[] { 1, 100, 4, 0.25 }[i] : 0);

    [Fact]
    public void Each_row_loses_its_lowest_weight_times_input_norm_scores()
    {
        var w = new Matrix<float>(2, 4, [1f, 0.2f, 0.4f, 3f, -1f, -1f, -1f, -1f]);

        var pruned = WandaPruning.Prune(w, Gram, 0.5);

        // Row 0 scores 1, 2, 0.8, 1.5: inputs 2 and 0 go, although magnitude would drop 1 and 2.
        // Row 1 scores 1, 10, 2, 0.5: inputs 3 and 0 go.
        Assert.Equal([0f, 0.2f, 0f, 3f, 0f, -1f, -1f, 0f], pruned.AsSpan().ToArray());
    }

    [Fact]
    public void Two_four_keeps_the_two_best_scores_of_each_group()
    {
        var w = new Matrix<float>(1, 4, [1f, 0.2f, 0.4f, 3f]);

        var pruned = WandaPruning.Prune(w, Gram, new NmPattern(2, 4));

        Assert.Equal([0f, 0.2f, 0f, 3f], pruned.AsSpan().ToArray());
    }
}
