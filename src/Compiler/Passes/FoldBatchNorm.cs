using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Operations;

namespace Dipper.Compiler.Passes;

/// <summary>
/// Folds each inference-mode BatchNorm into the convolution that feeds it: with
/// s = γ / √(var + ε), the convolution's kernel becomes W·s (per output channel) and its bias
/// (b − mean)·s + β. The network computes the same function with one layer fewer, which is what
/// ONNX Runtime, TFLite and the Edge TPU all want. A BatchNorm is left alone when its input is
/// not a convolution used only by it (folding would change the other readers).
/// </summary>
public static class FoldBatchNorm
{
    /// <summary>Name recorded in a package's provenance when this pass ran.</summary>
    public const string PassName = "fold-batchnorm";

    /// <summary>Returns a graph with every foldable BatchNorm folded; the input graph is unchanged.</summary>
    public static ModelGraph Apply(ModelGraph graph)
    {
        var weights = new OrderedDictionary<string, WeightTensor>(graph.Weights);
        var nodes = graph.Nodes.ToList();
        var outputs = graph.Outputs.Select(o => o.Name).ToHashSet();
        for (var i = 0; i < nodes.Count; i++)
        {
            if (nodes[i].Operation is not BatchNorm1d norm) continue;
            var convIndex = nodes.FindIndex(n => n.Output == nodes[i].Inputs[0]);
            if (convIndex < 0 || nodes[convIndex].Operation is not Conv1d conv) continue;
            var convNode = nodes[convIndex];
            if (outputs.Contains(convNode.Output) || nodes.Count(n => n.Inputs.Contains(convNode.Output)) != 1) continue;

            var folded = Fold(conv, norm, convNode.Name, weights, nodes);
            nodes[convIndex] = convNode with { Operation = folded, Output = nodes[i].Output };
            nodes.RemoveAt(i);
            i--;
            RemoveUnread(weights, nodes, norm.WeightNames.Append(conv.Weight).Concat(conv.Bias is null ? [] : [conv.Bias]));
        }
        return new ModelGraph(graph.Name, graph.Inputs, nodes, graph.Outputs, weights);
    }

    private static Conv1d Fold(Conv1d conv, BatchNorm1d norm, string convName,
        OrderedDictionary<string, WeightTensor> weights, List<GraphNode> nodes)
    {
        var gamma = weights[norm.Scale].Values;
        var beta = weights[norm.Shift].Values;
        var mean = weights[norm.RunningMean].Values;
        var variance = weights[norm.RunningVariance].Values;
        var kernel = weights[conv.Weight];
        var oldBias = conv.Bias is null ? null : weights[conv.Bias].Values.ToArray();

        var channels = conv.OutChannels;
        var perChannel = kernel.Count / channels;
        var newKernel = new float[kernel.Count];
        var newBias = new float[channels];
        for (var o = 0; o < channels; o++)
        {
            // Double precision, so the fold itself adds no error beyond the final rounding to float.
            var scale = gamma[o] / Math.Sqrt(variance[o] + norm.Epsilon);
            for (var j = 0; j < perChannel; j++)
                newKernel[o * perChannel + j] = (float)(kernel.Values[o * perChannel + j] * scale);
            newBias[o] = (float)(((oldBias?[o] ?? 0.0) - mean[o]) * scale + beta[o]);
        }

        // Reuse the kernel's and bias's names when nothing else reads them, so folded weights
        // stay traceable to the checkpoint; otherwise give the folded copies new names.
        var kernelName = SharedWithOthers(conv.Weight, nodes) ? Unique($"{convName}.folded_weight", weights) : conv.Weight;
        var biasName = conv.Bias is not null && !SharedWithOthers(conv.Bias, nodes)
            ? conv.Bias
            : Unique($"{convName}.bias", weights);
        weights[kernelName] = new WeightTensor(kernel.Shape, newKernel);
        weights[biasName] = new WeightTensor([channels], newBias);
        return conv with { Weight = kernelName, Bias = biasName };
    }

    private static bool SharedWithOthers(string weight, List<GraphNode> nodes) =>
        nodes.Count(n => n.Operation.WeightNames.Contains(weight)) > 1;

    private static string Unique(string name, OrderedDictionary<string, WeightTensor> weights)
    {
        var candidate = name;
        for (var k = 2; weights.ContainsKey(candidate); k++) candidate = $"{name}{k}";
        return candidate;
    }

    private static void RemoveUnread(OrderedDictionary<string, WeightTensor> weights, List<GraphNode> nodes, IEnumerable<string> candidates)
    {
        var read = nodes.SelectMany(n => n.Operation.WeightNames).ToHashSet();
        foreach (var name in candidates.Distinct().ToList())
        {
            if (!read.Contains(name)) weights.Remove(name);
        }
    }
}
