using Dipper.Compiler.Numerics;

namespace Dipper.Compiler.Tests.Numerics;

public class SelectionTests
{
    [Theory]
    [InlineData(1, 0)]
    [InlineData(10, 3)]
    [InlineData(1000, 0)]
    [InlineData(1000, 999)]
    [InlineData(100_000, 50_000)]
    public void Kth_smallest_equals_the_sorted_value(int length, int k)
    {
        var random = new Random(length + k);
        // Few distinct values: many ties, the hard case for partitioning.
        var values = Enumerable.Range(0, length).Select(_ => (float)random.Next(50)).ToArray();
        var sorted = values.Order().ToArray();

        Assert.Equal(sorted[k], Selection.KthSmallest<float>(values.ToArray(), k));
    }

    [Fact]
    public void Kth_smallest_of_already_sorted_and_constant_input_is_found()
    {
        var ascending = Enumerable.Range(0, 5000).Select(i => (double)i).ToArray();
        var constant = Enumerable.Repeat(3.0, 5000).ToArray();

        Assert.Equal(1234, Selection.KthSmallest<double>(ascending, 1234));
        Assert.Equal(3, Selection.KthSmallest<double>(constant, 4999));
    }

    [Fact]
    public void Exactly_the_requested_number_is_pruned_and_ties_go_to_the_lower_index()
    {
        float[] scores = [5, 1, 3, 3, 3, 0, 9];
        var keep = new float[scores.Length];

        Selection.KeepAllButSmallest<float>(scores, 4, keep);

        // 0 and 1 go, then two of the three 3s: the first two.
        Assert.Equal([1, 0, 0, 0, 1, 0, 1], keep);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    public void Pruning_none_or_all_needs_no_threshold(int count)
    {
        float[] scores = [5, 1, 3, 3, 3, 0, 9];
        var keep = new float[scores.Length];

        Selection.KeepAllButSmallest<float>(scores, count, keep);

        Assert.All(keep, k => Assert.Equal(count == 0 ? 1f : 0f, k));
    }

    [Fact]
    public void Groups_of_eight_keep_exactly_their_four_largest()
    {
        var random = new Random(3);
        var scores = Enumerable.Range(0, 64).Select(_ => random.NextDouble()).ToArray();
        var keep = new double[64];

        Selection.KeepAllButSmallestInGroups<double>(scores, 4, 8, keep);

        for (var g = 0; g < 64; g += 8)
        {
            var group = scores.AsSpan(g, 8).ToArray();
            var fourth = group.OrderDescending().ElementAt(3);
            for (var i = 0; i < 8; i++) Assert.Equal(group[i] >= fourth ? 1 : 0, keep[g + i]);
        }
    }

    [Fact]
    public void Row_that_does_not_split_into_groups_is_refused()
    {
        Assert.Throws<ArgumentException>(() => Selection.KeepAllButSmallestInGroups<float>(new float[6], 2, 4, new float[6]));
    }
}
