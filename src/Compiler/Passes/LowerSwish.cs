using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Operations;

namespace Dipper.Compiler.Passes;

/// <summary>
/// Rewrites every swish x·σ(x) as a <see cref="Logistic"/> node followed by a <see cref="Mul"/> of
/// x and σ(x). TFLite's int8 kernels and the Edge TPU have LOGISTIC and MUL but no swish, and
/// HARD_SWISH is a different function (a piecewise-quadratic approximation the model was not
/// trained with). The Mul keeps the swish node's name and output, so readers are unchanged and the
/// new σ(x) value gets a name of its own that calibration and quantisation can refer to.
/// </summary>
public static class LowerSwish
{
    /// <summary>Name recorded in a package's provenance when this pass ran.</summary>
    public const string PassName = "lower-swish";

    /// <summary>Suffix of the σ(x) node made for each swish.</summary>
    public const string SigmoidSuffix = ".sigmoid";

    /// <summary>Returns a graph without swish nodes; the input graph is unchanged.</summary>
    public static ModelGraph Apply(ModelGraph graph)
    {
        var taken = graph.Nodes.Select(n => n.Name).Concat(graph.Nodes.Select(n => n.Output))
            .Concat(graph.Inputs.Select(i => i.Name)).ToHashSet();
        var nodes = new List<GraphNode>(graph.Nodes.Count);
        foreach (var node in graph.Nodes)
        {
            if (node.Operation is not Swish)
            {
                nodes.Add(node);
                continue;
            }
            var sigmoid = $"{node.Name}{SigmoidSuffix}";
            for (var k = 2; !taken.Add(sigmoid); k++) sigmoid = $"{node.Name}{SigmoidSuffix}{k}";
            var x = node.Inputs[0];
            nodes.Add(new GraphNode(sigmoid, new Logistic(), [x], sigmoid));
            nodes.Add(new GraphNode(node.Name, new Mul(), [x, sigmoid], node.Output));
        }
        return new ModelGraph(graph.Name, graph.Inputs, nodes, graph.Outputs, graph.Weights);
    }
}
