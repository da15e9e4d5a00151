using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Operations;
using Dipper.Compiler.Numerics;

namespace Dipper.Compiler.Passes.Compression;

/// <summary>
/// Joins each factorised layer (<see cref="FactorizedNodes"/>: B then A, nothing between them) back into the one
/// layer it stands for, W = A·B, with B's kernel, stride, padding and dilation and A's name; the bias is A's plus A times
/// B's, which B has once a student trained with BatchNorm was folded (<c>dipper finetune --batchnorm</c>). Compressing a
/// compressed model again then compresses the layers the model was built from, not each factor on its own as if it
/// were a layer: a student fine-tuned at 30 % can be cut to 50 % by DSF like the dense model was, which is how
/// prune-and-fine-tune cycles start each cut from a model already near its teacher. The joined graph computes what the
/// factorised one computes (up to float rounding): only the order of the sums changes.
/// </summary>
public static class FactorJoining
{
    /// <summary>
    /// <paramref name="graph"/> with every factor pair joined; the graph itself when it has none. A pair is an inner node
    /// named after its layer with <see cref="FactorizedNodes.InnerSuffix"/> whose output only that layer reads, as
    /// <see cref="FactorizedNodes.Of"/> builds it.
    /// </summary>
    /// <param name="graph">A graph, factorised or not.</param>
    /// <param name="joined">How many pairs were joined.</param>
    public static ModelGraph Apply(ModelGraph graph, out int joined)
    {
        var byName = graph.Nodes.ToDictionary(n => n.Name);
        var weights = new OrderedDictionary<string, WeightTensor>(graph.Weights);
        var taken = graph.Nodes.SelectMany(n => new[] { n.Name, n.Output }).Concat(graph.Inputs.Select(i => i.Name))
            .Concat(graph.Weights.Keys).ToHashSet();
        var inners = new HashSet<string>();
        var nodes = new List<GraphNode>();
        joined = 0;
        foreach (var node in graph.Nodes)
        {
            if (InnerOf(graph, node, byName) is not { } inner)
            {
                nodes.Add(node);
                continue;
            }
            var (weight, bias) = Join(inner, node, graph.Weights);
            weights.Remove(CompressibleLayer.Of(inner)!.Weight);
            weights.Remove(CompressibleLayer.Of(node)!.Weight);
            var weightName = FactorizedNodes.Unique($"{node.Name}.weight", taken);
            weights[weightName] = weight;
            var biasName = BiasOf(node.Operation);
            if (bias is not null)
            {
                weights.Remove(BiasOf(inner.Operation)!);
                if (biasName is not null) weights.Remove(biasName);
                biasName = FactorizedNodes.Unique($"{node.Name}.bias", taken);
                weights[biasName] = bias;
            }
            var operation = (inner.Operation, node.Operation) switch
            {
                (Conv1d b, Conv1d a) => (Operation)(b with { OutChannels = a.OutChannels, Weight = weightName, Bias = biasName }),
                (Linear b, Linear a) => b with { OutFeatures = a.OutFeatures, Weight = weightName, Bias = biasName },
                _ => throw new ArgumentException($"{inner.Operation.Kind} then {node.Operation.Kind} is not a factor pair"),
            };
            nodes.Add(node with { Operation = operation, Inputs = inner.Inputs });
            inners.Add(inner.Name);
            joined++;
        }
        if (joined == 0) return graph;
        return new ModelGraph(graph.Name, graph.Inputs, nodes.Where(n => !inners.Contains(n.Name)).ToArray(), graph.Outputs, weights);
    }

    /// <summary>
    /// Every factor pair of <paramref name="graph"/> (the inner node B and the outer node A that alone reads it), in graph
    /// order: what <see cref="Apply"/> joins, and what anything that must treat a factorised layer as the one layer it
    /// stands for (its weight budget, say) looks up.
    /// </summary>
    public static IReadOnlyList<(GraphNode Inner, GraphNode Outer)> Pairs(ModelGraph graph)
    {
        var byName = graph.Nodes.ToDictionary(n => n.Name);
        return graph.Nodes.Select(n => (Inner: InnerOf(graph, n, byName), Outer: n)).Where(p => p.Inner is not null)
            .Select(p => (p.Inner!, p.Outer)).ToArray();
    }

    /// <summary>The inner node paired with <paramref name="outer"/>, or null when <paramref name="outer"/> is not the second node of a factor pair.</summary>
    private static GraphNode? InnerOf(ModelGraph graph, GraphNode outer, IReadOnlyDictionary<string, GraphNode> byName)
    {
        if (!byName.TryGetValue(outer.Name + FactorizedNodes.InnerSuffix, out var inner)) return null;
        if (outer.Inputs.Count != 1 || outer.Inputs[0] != inner.Output || graph.Consumers(inner.Output).Count() != 1) return null;
        if (graph.Outputs.Any(o => o.Name == inner.Output)) return null;
        return (inner.Operation, outer.Operation) switch
        {
            (Conv1d { Groups: 1 }, Conv1d { Groups: 1, KernelSize: 1, Stride: 1, Padding: 0 }) => inner,
            (Linear, Linear) => inner,
            _ => null,
        };
    }

    /// <summary>
    /// W = A·B (W[o, i, t] = Σ_j A[o, j]·B[j, i, t]; a linear layer has no kernel axis) and, when B has a bias, the
    /// joined bias A·b_B + b_A (null otherwise: A's own bias, if any, stays as it is). One product in double of A and
    /// B with b_B as one more column, so the sums lose nothing a float sum would keep.
    /// </summary>
    private static (WeightTensor Weight, WeightTensor? Bias) Join(GraphNode inner, GraphNode outer, IReadOnlyDictionary<string, WeightTensor> weights)
    {
        var a = weights[CompressibleLayer.Of(outer)!.Weight];
        var b = weights[CompressibleLayer.Of(inner)!.Weight];
        var innerBias = BiasOf(inner.Operation) is { } name ? weights[name].Values : default;
        var (outputs, rank) = (a.Shape[0], a.Shape[1]);
        var columns = b.Count / rank; // inputs × kernel
        var augmented = new Matrix<double>(rank, columns + 1);
        for (var j = 0; j < rank; j++)
        {
            var row = augmented.Row(j);
            for (var c = 0; c < columns; c++) row[c] = b.Values[j * columns + c];
            row[columns] = innerBias.IsEmpty ? 0 : innerBias[j];
        }
        var product = MatrixProduct.Multiply(new Matrix<float>(outputs, rank, a.Values.ToArray()).Convert<double>(), augmented);
        var weight = new float[outputs * columns];
        for (var o = 0; o < outputs; o++)
            for (var c = 0; c < columns; c++) weight[o * columns + c] = (float)product[o, c];
        WeightTensor? bias = null;
        if (!innerBias.IsEmpty)
        {
            var outerBias = BiasOf(outer.Operation) is { } outerName ? weights[outerName].Values : default;
            var joined = new float[outputs];
            for (var o = 0; o < outputs; o++) joined[o] = (float)(product[o, columns] + (outerBias.IsEmpty ? 0 : outerBias[o]));
            bias = new WeightTensor([outputs], joined);
        }
        return (new WeightTensor([outputs, .. b.Shape.Skip(1)], weight), bias);
    }

    private static string? BiasOf(Operation operation) => operation switch
    {
        Conv1d conv => conv.Bias,
        Linear linear => linear.Bias,
        _ => null,
    };
}
