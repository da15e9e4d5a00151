using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Operations;
using Dipper.Compiler.Numerics;

namespace Dipper.Compiler.Passes.Compression;

/// <summary>
/// A factorised layer W ≈ A·B as two graph nodes. B keeps the layer's kind and geometry (a
/// convolution with the original kernel, stride, padding and dilation, d_in → r channels), A is a
/// pointwise convolution (or a linear layer) r → d_out carrying the bias. The second node keeps the
/// layer's name and output value, so nothing downstream changes. Inner channels that carry nothing
/// (B row or A column all zero) are dropped: they are a real saving on any hardware.
/// </summary>
/// <param name="Inner">The node applying B.</param>
/// <param name="Outer">The node applying A (named as the original layer).</param>
/// <param name="InnerWeight">B, named <see cref="InnerWeightName"/>.</param>
/// <param name="OuterWeight">A, named <see cref="OuterWeightName"/>.</param>
/// <param name="InnerWeightName">Weight name of B.</param>
/// <param name="OuterWeightName">Weight name of A.</param>
public sealed record FactorizedNodes(GraphNode Inner, GraphNode Outer, WeightTensor InnerWeight, WeightTensor OuterWeight,
    string InnerWeightName, string OuterWeightName)
{
    /// <summary>Suffix of the inner node's name and output value.</summary>
    public const string InnerSuffix = ".factor_b";

    /// <summary>Suffix of the outer node's weight.</summary>
    public const string OuterSuffix = ".factor_a";

    /// <summary>Inner channels kept.</summary>
    public int InnerChannels => InnerWeight.Shape[0];

    /// <summary>Builds the two nodes for <paramref name="node"/> (a convolution with one group, or a linear layer).</summary>
    /// <param name="node">The original layer.</param>
    /// <param name="factors">A (d_out × r) and B (r × d_in).</param>
    /// <param name="taken">Names already used by nodes, values and weights; the new ones are added.</param>
    public static FactorizedNodes Of(GraphNode node, FactorizedLayer factors, ISet<string> taken)
    {
        var (a, b) = (factors.Outer, factors.Inner);
        var kept = Enumerable.Range(0, b.Rows).Where(j => HasNonzero(b.Row(j)) && ColumnHasNonzero(a, j)).ToList();
        if (kept.Count == 0) kept.Add(0); // an all-zero layer still needs one (zero) channel to stay a valid graph
        var r = kept.Count;
        var inner = new float[r * b.Columns];
        var outer = new float[a.Rows * r];
        for (var j = 0; j < r; j++)
        {
            b.Row(kept[j]).CopyTo(inner.AsSpan(j * b.Columns, b.Columns));
            for (var o = 0; o < a.Rows; o++) outer[o * r + j] = a[o, kept[j]];
        }
        var innerName = Unique($"{node.Name}{InnerSuffix}", taken);
        var innerWeightName = Unique($"{innerName}.weight", taken);
        var outerWeightName = Unique($"{node.Name}{OuterSuffix}.weight", taken);
        switch (node.Operation)
        {
            case Conv1d { Groups: 1 } conv:
                return new FactorizedNodes(
                    new GraphNode(innerName, conv with { OutChannels = r, Weight = innerWeightName, Bias = null }, node.Inputs, innerName),
                    node with
                    {
                        Operation = conv with
                        {
                            InChannels = r, KernelSize = 1, Stride = 1, Padding = 0, Dilation = 1, Weight = outerWeightName,
                        },
                        Inputs = [innerName],
                    },
                    new WeightTensor([r, conv.InChannels, conv.KernelSize], inner),
                    new WeightTensor([conv.OutChannels, r, 1], outer),
                    innerWeightName, outerWeightName);
            case Linear linear:
                return new FactorizedNodes(
                    new GraphNode(innerName, linear with { OutFeatures = r, Weight = innerWeightName, Bias = null }, node.Inputs, innerName),
                    node with { Operation = linear with { InFeatures = r, Weight = outerWeightName }, Inputs = [innerName] },
                    new WeightTensor([r, linear.InFeatures], inner),
                    new WeightTensor([linear.OutFeatures, r], outer),
                    innerWeightName, outerWeightName);
            default:
                throw new ArgumentException($"node '{node.Name}' ({node.Operation.Kind}) cannot be split into two layers");
        }
    }

    private static bool HasNonzero(ReadOnlySpan<float> values)
    {
        foreach (var v in values) if (v != 0) return true;
        return false;
    }

    private static bool ColumnHasNonzero(Matrix<float> m, int column)
    {
        for (var i = 0; i < m.Rows; i++) if (m[i, column] != 0) return true;
        return false;
    }

    /// <summary><paramref name="name"/>, or it with the first free number after it, added to <paramref name="taken"/>.</summary>
    internal static string Unique(string name, ISet<string> taken)
    {
        var candidate = name;
        for (var k = 2; !taken.Add(candidate); k++) candidate = $"{name}{k}";
        return candidate;
    }
}
