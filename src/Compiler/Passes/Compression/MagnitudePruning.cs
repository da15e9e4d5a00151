using System.Numerics.Tensors;
using Dipper.Compiler.Numerics;

namespace Dipper.Compiler.Passes.Compression;

/// <summary>
/// The data-free baseline: zero the weights of smallest |W_ij| with one threshold for the whole
/// layer (the reference's <c>prune_magnitude</c>), no weight update.
/// </summary>
public static class MagnitudePruning
{
    /// <summary>Zeroes exactly int(numel·<paramref name="sparsity"/>) weights of smallest magnitude.</summary>
    public static Matrix<float> Prune(Matrix<float> weights, double sparsity)
    {
        var w = weights.Clone();
        var values = w.AsSpan();
        var scores = new float[values.Length];
        TensorPrimitives.Abs(values, scores);
        var keep = new float[values.Length];
        Selection.KeepAllButSmallest<float>(scores, (int)(values.Length * sparsity), keep);
        TensorPrimitives.Multiply(values, keep, values);
        return w;
    }

    /// <summary>In every group of m consecutive inputs of each output, zeroes the n smallest |W_ij|.</summary>
    public static Matrix<float> Prune(Matrix<float> weights, NmPattern pattern)
    {
        pattern.RequireDivides(weights.Columns);
        var w = weights.Clone();
        var scores = new float[w.Columns];
        var keep = new float[w.Columns];
        for (var i = 0; i < w.Rows; i++)
        {
            TensorPrimitives.Abs(w.Row(i), scores);
            Selection.KeepAllButSmallestInGroups<float>(scores, pattern.Pruned, pattern.GroupSize, keep);
            TensorPrimitives.Multiply(w.Row(i), keep, w.Row(i));
        }
        return w;
    }
}
