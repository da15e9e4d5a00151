using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Operations;

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
            var (operation, weight) = Join(inner.Operation, node.Operation, graph.Weights);
            var name = FactorizedNodes.Unique($"{node.Name}.weight", taken);
            weights.Remove(WeightOf(inner.Operation));
            weights.Remove(WeightOf(node.Operation));
            weights[name] = weight;
            operation = WithWeight(operation, name);
            if (JoinedBias(inner.Operation, node.Operation, graph.Weights) is { } bias)
            {
                var biasName = FactorizedNodes.Unique($"{node.Name}.bias", taken);
                if (BiasOf(inner.Operation) is { } innerBias) weights.Remove(innerBias);
                if (BiasOf(node.Operation) is { } outerBias) weights.Remove(outerBias);
                weights[biasName] = bias;
                operation = WithBias(operation, biasName);
            }
            nodes.Add(node with { Operation = operation, Inputs = inner.Inputs });
            inners.Add(inner.Name);
            joined++;
        }
        if (joined == 0) return graph;
        return new ModelGraph(graph.Name, graph.Inputs, nodes.Where(n => !inners.Contains(n.Name)).ToArray(), graph.Outputs, weights);
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

    /// <summary>W[o, i, t] = Σ_j A[o, j]·B[j, i, t] (a linear layer: no kernel axis), in double so the sum loses nothing a float sum would keep.</summary>
    private static (Operation, WeightTensor) Join(Operation innerOperation, Operation outerOperation, IReadOnlyDictionary<string, WeightTensor> weights)
    {
        var b = weights[WeightOf(innerOperation)];
        var a = weights[WeightOf(outerOperation)];
        var (outputs, rank) = (a.Shape[0], a.Shape[1]);
        var columns = b.Count / rank; // inputs × kernel
        var joined = new float[outputs * columns];
        var av = a.Values;
        var bv = b.Values;
        var row = new double[columns];
        for (var o = 0; o < outputs; o++)
        {
            Array.Clear(row);
            for (var j = 0; j < rank; j++)
            {
                double factor = av[o * rank + j];
                if (factor == 0) continue;
                var inner = bv.Slice(j * columns, columns);
                for (var c = 0; c < columns; c++) row[c] += factor * inner[c];
            }
            for (var c = 0; c < columns; c++) joined[o * columns + c] = (float)row[c];
        }
        return (innerOperation, outerOperation) switch
        {
            (Conv1d inner, Conv1d outer) => (inner with { OutChannels = outer.OutChannels, Bias = outer.Bias },
                new WeightTensor([outer.OutChannels, inner.InChannels, inner.KernelSize], joined)),
            (Linear inner, Linear outer) => (inner with { OutFeatures = outer.OutFeatures, Bias = outer.Bias },
                new WeightTensor([outer.OutFeatures, inner.InFeatures], joined)),
            _ => throw new ArgumentException($"{innerOperation.Kind} then {outerOperation.Kind} is not a factor pair"),
        };
    }

    /// <summary>A·b_B + b_A when B has a bias (its bias passes through A); null when it has none, A's own bias then staying as it is.</summary>
    private static WeightTensor? JoinedBias(Operation innerOperation, Operation outerOperation, IReadOnlyDictionary<string, WeightTensor> weights)
    {
        if (BiasOf(innerOperation) is not { } innerBias) return null;
        var a = weights[WeightOf(outerOperation)];
        var (outputs, rank) = (a.Shape[0], a.Shape[1]);
        var av = a.Values;
        var bv = weights[innerBias].Values;
        var outer = BiasOf(outerOperation) is { } name ? weights[name].Values.ToArray() : new float[outputs];
        var joined = new float[outputs];
        for (var o = 0; o < outputs; o++)
        {
            double sum = outer[o];
            for (var j = 0; j < rank; j++) sum += (double)av[o * rank + j] * bv[j];
            joined[o] = (float)sum;
        }
        return new WeightTensor([outputs], joined);
    }

    private static string? BiasOf(Operation operation) => operation switch
    {
        Conv1d conv => conv.Bias,
        Linear linear => linear.Bias,
        _ => null,
    };

    private static Operation WithBias(Operation operation, string bias) => operation switch
    {
        Conv1d conv => conv with { Bias = bias },
        Linear linear => linear with { Bias = bias },
        _ => throw new ArgumentException($"{operation.Kind} has no bias"),
    };

    private static string WeightOf(Operation operation) => operation switch
    {
        Conv1d conv => conv.Weight,
        Linear linear => linear.Weight,
        _ => throw new ArgumentException($"{operation.Kind} has no weight matrix"),
    };

    private static Operation WithWeight(Operation operation, string weight) => operation switch
    {
        Conv1d conv => conv with { Weight = weight },
        Linear linear => linear with { Weight = weight },
        _ => throw new ArgumentException($"{operation.Kind} has no weight matrix"),
    };
}
