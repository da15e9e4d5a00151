using System.Numerics.Tensors;
using Dipper.Compiler.Numerics;

namespace Dipper.Compiler.Passes.Compression;

/// <summary>
/// The mask step of <see cref="AdmmPruning"/> on V (d_in × d_out, preconditioned Wᵀ): keep the
/// largest |V| layer-wide, or, for n:m, the m−n largest of each group plus, while the schedule is
/// still below n/m, the largest of the rest. Holds its scratch buffers, which are reused in every
/// iteration.
/// </summary>
internal sealed class AdmmMaskSelection(int count, int outputs, int inputs)
{
    private readonly float[] _scores = new float[count];
    private readonly float[] _scratch = new float[count];

    /// <summary>Writes 1 (keep) / 0 (prune) into <paramref name="mask"/> for <paramref name="sparsity"/>.</summary>
    public void Select(Matrix<float> v, double sparsity, NmPattern? pattern, Matrix<float> mask)
    {
        TensorPrimitives.Abs(v.AsSpan(), _scores);
        if (pattern is null)
        {
            // Exactly int(numel·s) smallest go (the reference's topk).
            Selection.KeepAllButSmallest<float>(_scores, (int)(count * sparsity), mask.AsSpan());
            return;
        }
        KeepLargestInGroups(v, pattern.Value, mask);
        // Group winners are never pruned: give them +∞, then prune the int(numel·s_t) smallest of the
        // rest, as the reference's 2:4 branch does with kthvalue(k+1) and ">=". At s_t = n/m only the
        // winners are left.
        var m = mask.AsSpan();
        for (var i = 0; i < count; i++)
            if (m[i] != 0) _scores[i] = float.PositiveInfinity;
        var k = (int)(count * sparsity);
        _scores.CopyTo(_scratch, 0);
        var threshold = Selection.KthSmallest<float>(_scratch, k);
        for (var i = 0; i < count; i++) m[i] = _scores[i] >= threshold ? 1f : 0f;
    }

    /// <summary>The m−n largest |V| in every group of m consecutive inputs of each output (a column of V).</summary>
    private void KeepLargestInGroups(Matrix<float> v, NmPattern pattern, Matrix<float> mask)
    {
        var groupSize = pattern.GroupSize;
        Span<float> group = stackalloc float[groupSize];
        Span<float> keep = stackalloc float[groupSize];
        for (var j0 = 0; j0 < inputs; j0 += groupSize)
            for (var o = 0; o < outputs; o++)
            {
                for (var g = 0; g < groupSize; g++) group[g] = _scores[(j0 + g) * outputs + o];
                Selection.KeepAllButSmallestInGroups<float>(group, pattern.Pruned, groupSize, keep);
                for (var g = 0; g < groupSize; g++) mask[j0 + g, o] = keep[g];
            }
    }
}
