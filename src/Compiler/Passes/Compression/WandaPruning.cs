using System.Numerics.Tensors;
using Dipper.Compiler.Numerics;

namespace Dipper.Compiler.Passes.Compression;

/// <summary>
/// Wanda (Sun et al. 2023, the reference's <c>prune_wanda</c>): score |W_ij|·‖X_:,j‖₂, so a small
/// weight on a loud input channel survives, and prune the lowest scores of each output row
/// separately. One pass over the calibration set, no weight update.
/// </summary>
public static class WandaPruning
{
    /// <summary>Zeroes int(d_in·<paramref name="sparsity"/>) weights in every row (ties: lower input first, as a stable sort).</summary>
    public static Matrix<float> Prune(Matrix<float> weights, Matrix<double> gram, double sparsity)
    {
        var norms = InputNorms(weights, gram);
        var w = weights.Clone();
        var perRow = (int)(w.Columns * sparsity);
        var scores = new float[w.Columns];
        var keep = new float[w.Columns];
        for (var i = 0; i < w.Rows; i++)
        {
            Score(w.Row(i), norms, scores);
            Selection.KeepAllButSmallest<float>(scores, perRow, keep);
            TensorPrimitives.Multiply(w.Row(i), keep, w.Row(i));
        }
        return w;
    }

    /// <summary>n:m with the Wanda score: in every group of m inputs of each row, the n lowest scores go.</summary>
    public static Matrix<float> Prune(Matrix<float> weights, Matrix<double> gram, NmPattern pattern)
    {
        pattern.RequireDivides(weights.Columns);
        var norms = InputNorms(weights, gram);
        var w = weights.Clone();
        var scores = new float[w.Columns];
        var keep = new float[w.Columns];
        for (var i = 0; i < w.Rows; i++)
        {
            Score(w.Row(i), norms, scores);
            Selection.KeepAllButSmallestInGroups<float>(scores, pattern.Pruned, pattern.GroupSize, keep);
            TensorPrimitives.Multiply(w.Row(i), keep, w.Row(i));
        }
        return w;
    }

    /// <summary>‖X_:,j‖₂ = √H_jj.</summary>
    private static float[] InputNorms(Matrix<float> weights, Matrix<double> gram)
    {
        if (gram.Rows != weights.Columns) throw new ArgumentException($"Gram matrix is {gram.Rows} wide, the layer has {weights.Columns} inputs");
        var norms = new float[gram.Rows];
        for (var j = 0; j < norms.Length; j++) norms[j] = (float)Math.Sqrt(gram[j, j]);
        return norms;
    }

    private static void Score(ReadOnlySpan<float> row, ReadOnlySpan<float> norms, Span<float> scores)
    {
        TensorPrimitives.Abs(row, scores);
        TensorPrimitives.Multiply(scores, norms, scores);
    }
}
