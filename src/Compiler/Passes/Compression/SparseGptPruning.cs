using System.Numerics.Tensors;
using Dipper.Compiler.Numerics;

namespace Dipper.Compiler.Passes.Compression;

/// <summary>
/// SparseGPT (Frantar &amp; Alistarh 2023; the reference follows <c>lib/sparsegpt.py</c>): sweeps the
/// inputs left to right; each pruned weight's error is pushed onto the not-yet-visited inputs of
/// its row through the upper Cholesky factor of H⁻¹ (an approximate OBS update). The mask of each
/// block of 128 inputs is chosen when the sweep enters it, from w²/[H⁻¹]_jj².
/// </summary>
public static class SparseGptPruning
{
    /// <summary>The reference's block of inputs (its <c>blocksize</c>).</summary>
    public const int BlockSize = 128;

    /// <summary>The reference's damping, a fraction of mean(diag H).</summary>
    public const float DefaultDamping = 0.01f;

    /// <summary>Unstructured: in every block, the int(numel·s)+1 lowest scores are pruned, as the reference's <c>&lt;=</c> threshold does.</summary>
    public static Matrix<float> Prune(Matrix<float> weights, Matrix<double> gram, double sparsity, float damping = DefaultDamping)
        => Run(weights, gram, sparsity, null, damping);

    /// <summary>n:m: at the first input of each group of m, the n lowest scores of the group are pruned.</summary>
    public static Matrix<float> Prune(Matrix<float> weights, Matrix<double> gram, NmPattern pattern, float damping = DefaultDamping)
    {
        pattern.RequireDivides(weights.Columns);
        if (BlockSize % pattern.GroupSize != 0) throw new ArgumentException($"{pattern}: groups must not straddle blocks of {BlockSize}");
        return Run(weights, gram, pattern.Sparsity, pattern, damping);
    }

    private static Matrix<float> Run(Matrix<float> weights, Matrix<double> gram, double sparsity, NmPattern? pattern, float damping)
    {
        var columns = weights.Columns;
        if (gram.Rows != columns) throw new ArgumentException($"Gram matrix is {gram.Rows} wide, the layer has {columns} inputs");
        var w = weights.Clone();
        var h = gram.Convert<float>();
        // Inputs that never fire carry no information: their weights go, and H gets a unit pivot.
        for (var j = 0; j < columns; j++)
        {
            if (h[j, j] != 0) continue;
            h[j, j] = 1;
            for (var i = 0; i < w.Rows; i++) w[i, j] = 0;
        }
        Damping.AddRelative(h, damping);
        var inverse = CholeskyFactor<float>.Compute(h).Inverse();
        var hinv = CholeskyFactor<float>.Compute(inverse).Lower.Transpose();   // upper: H⁻¹ = UᵀU

        for (var i1 = 0; i1 < columns; i1 += BlockSize)
        {
            var count = Math.Min(BlockSize, columns - i1);
            var block = w.Block(0, i1, w.Rows, count).Clone();
            var errors = new Matrix<float>(w.Rows, count);
            var hinvBlock = hinv.Block(i1, i1, count, count);
            var diagonal = hinvBlock.Diagonal();
            var prune = pattern is null ? BlockMask(block, diagonal, sparsity) : new Matrix<float>(w.Rows, count);
            // Rows are independent given the block's mask, so each row is swept on its own, in cache.
            for (var r = 0; r < w.Rows; r++)
                SweepRow(block.Row(r), errors.Row(r), prune.Row(r), hinvBlock, diagonal, pattern);
            block.CopyTo(w.Block(0, i1, w.Rows, count));
            var rest = columns - i1 - count;
            if (rest > 0)
                MatrixProduct.MultiplyAdd(-1f, errors, false, hinv.Block(i1, i1 + count, count, rest), false, 1f,
                    w.Block(0, i1 + count, w.Rows, rest));
        }
        return w;
    }

    /// <summary>1 where the block's weight is pruned: score w²/d_j² at or below the value at sorted index int(numel·s).</summary>
    private static Matrix<float> BlockMask(Matrix<float> block, float[] diagonal, double sparsity)
    {
        var scores = new Matrix<float>(block.Rows, block.Columns);
        var squaredDiagonal = new float[diagonal.Length];
        TensorPrimitives.Multiply(diagonal, diagonal, squaredDiagonal);
        for (var r = 0; r < block.Rows; r++)
        {
            TensorPrimitives.Multiply(block.Row(r), block.Row(r), scores.Row(r));
            TensorPrimitives.Divide(scores.Row(r), squaredDiagonal, scores.Row(r));
        }
        var all = scores.AsSpan();
        var sorted = all.ToArray();
        var threshold = Selection.KthSmallest<float>(sorted, (int)(all.Length * sparsity));
        foreach (ref var s in all) s = s <= threshold ? 1f : 0f;
        return scores;
    }

    /// <summary>
    /// One row through one block: zero the pruned weight, and spread its error
    /// err = (w − q)/d_i over the rest of the block with row i of the factor.
    /// </summary>
    private static void SweepRow(Span<float> row, Span<float> errors, Span<float> prune, Matrix<float> hinvBlock,
        float[] diagonal, NmPattern? pattern)
    {
        var count = row.Length;
        Span<float> scores = stackalloc float[pattern?.GroupSize ?? 0];
        Span<float> keep = stackalloc float[pattern?.GroupSize ?? 0];
        for (var i = 0; i < count; i++)
        {
            if (pattern is { } nm && i % nm.GroupSize == 0)
            {
                for (var g = 0; g < nm.GroupSize; g++)
                    scores[g] = row[i + g] * row[i + g] / (diagonal[i + g] * diagonal[i + g]);
                Selection.KeepAllButSmallestInGroups<float>(scores, nm.Pruned, nm.GroupSize, keep);
                for (var g = 0; g < nm.GroupSize; g++) prune[i + g] = keep[g] == 0 ? 1f : 0f;
            }
            var w = row[i];
            var q = prune[i] != 0 ? 0f : w;
            var err = (w - q) / diagonal[i];
            if (err != 0)
            {
                var tail = row[i..];
                TensorPrimitives.MultiplyAdd(hinvBlock.Row(i)[i..], -err, tail, tail);
            }
            row[i] = q;
            errors[i] = err;
        }
    }
}
