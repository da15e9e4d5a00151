using System.Buffers;
using System.Numerics;

namespace Dipper.Compiler.Numerics;

/// <summary>
/// Choosing which weights to prune: order statistics (the k-th smallest score, in O(n) rather than
/// by sorting a million scores 15 times per layer) and exact top-k and n:m masks. Masks are written
/// as 1 (keep) / 0 (prune) in the weights' own type so that applying one is a vector multiply.
/// </summary>
public static class Selection
{
    /// <summary>
    /// The value at index <paramref name="k"/> of the ascending sort of <paramref name="values"/>
    /// (what <c>sort(v)[k]</c> gives). Reorders <paramref name="values"/>; NaNs are not allowed.
    /// </summary>
    public static T KthSmallest<T>(Span<T> values, int k) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if ((uint)k >= (uint)values.Length) throw new ArgumentOutOfRangeException(nameof(k), $"rank {k} of {values.Length} values");
        int lo = 0, hi = values.Length - 1;
        // Quickselect with median-of-three pivots; the budget guards against adversarial inputs by
        // falling back to sorting the range that is left.
        var budget = 2 * BitOperations.Log2((uint)values.Length) + 16;
        while (hi > lo)
        {
            if (budget-- == 0 || hi - lo < 16)
            {
                values[lo..(hi + 1)].Sort();
                return values[k];
            }
            var mid = lo + (hi - lo) / 2;
            if (values[mid] < values[lo]) Swap(values, mid, lo);
            if (values[hi] < values[lo]) Swap(values, hi, lo);
            if (values[hi] < values[mid]) Swap(values, hi, mid);
            var pivot = values[mid];
            int i = lo, j = hi;
            while (i <= j)
            {
                while (values[i] < pivot) i++;
                while (pivot < values[j]) j--;
                if (i <= j)
                {
                    Swap(values, i, j);
                    i++;
                    j--;
                }
            }
            // Now values[lo..j] ≤ pivot ≤ values[i..hi], and values[j+1..i-1] == pivot.
            if (k <= j) hi = j;
            else if (k >= i) lo = i;
            else return values[k];
        }
        return values[k];
    }

    /// <summary>
    /// Marks exactly <paramref name="pruneCount"/> entries with the smallest <paramref name="scores"/>
    /// for pruning (ties at the threshold go to the lower index) and keeps the rest.
    /// </summary>
    public static void KeepAllButSmallest<T>(ReadOnlySpan<T> scores, int pruneCount, Span<T> keep)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (keep.Length != scores.Length) throw new ArgumentException("mask and scores differ in length", nameof(keep));
        if (pruneCount <= 0)
        {
            keep.Fill(T.One);
            return;
        }
        if (pruneCount >= scores.Length)
        {
            keep.Clear();
            return;
        }
        var scratch = ArrayPool<T>.Shared.Rent(scores.Length);
        try
        {
            scores.CopyTo(scratch);
            var threshold = KthSmallest(scratch.AsSpan(0, scores.Length), pruneCount - 1);
            var atThreshold = pruneCount;
            foreach (var s in scores)
                if (s < threshold) atThreshold--;
            for (var i = 0; i < scores.Length; i++)
            {
                var s = scores[i];
                if (s < threshold) keep[i] = T.Zero;
                else if (s == threshold && atThreshold > 0)
                {
                    keep[i] = T.Zero;
                    atThreshold--;
                }
                else keep[i] = T.One;
            }
        }
        finally
        {
            ArrayPool<T>.Shared.Return(scratch);
        }
    }

    /// <summary>
    /// n:m pruning of one row: in every group of <paramref name="groupSize"/> consecutive entries,
    /// the <paramref name="pruneCount"/> with the smallest scores are pruned (ties to the lower index).
    /// </summary>
    public static void KeepAllButSmallestInGroups<T>(ReadOnlySpan<T> scores, int pruneCount, int groupSize, Span<T> keep)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (groupSize <= 0 || pruneCount < 0 || pruneCount > groupSize)
            throw new ArgumentOutOfRangeException(nameof(pruneCount), $"{pruneCount}:{groupSize} is not an n:m pattern");
        if (scores.Length % groupSize != 0)
            throw new ArgumentException($"{scores.Length} entries do not split into groups of {groupSize}", nameof(scores));
        Span<int> order = stackalloc int[groupSize];
        for (var g = 0; g < scores.Length; g += groupSize)
        {
            var group = scores.Slice(g, groupSize);
            for (var i = 0; i < groupSize; i++) order[i] = i;
            // Insertion sort by (score, index): groups are 4 or 8 long.
            for (var i = 1; i < groupSize; i++)
            {
                var x = order[i];
                var j = i - 1;
                while (j >= 0 && group[order[j]] > group[x])
                {
                    order[j + 1] = order[j];
                    j--;
                }
                order[j + 1] = x;
            }
            for (var i = 0; i < groupSize; i++) keep[g + order[i]] = i < pruneCount ? T.Zero : T.One;
        }
    }

    private static void Swap<T>(Span<T> v, int i, int j) => (v[i], v[j]) = (v[j], v[i]);
}
