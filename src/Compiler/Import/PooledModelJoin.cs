using Dipper.Basecaller.Models;
using Dipper.Compiler.Export;
using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Operations;
using Dipper.Compiler.Passes.Pooling;
using Onnx;

namespace Dipper.Compiler.Import;

/// <summary>
/// The one graph a pooled package's two ONNX parts were cut from (the inverse of <see cref="PooledModelSplit"/>), so
/// that a pooled model can be trained like any other (<c>dipper pool</c>, then <c>dipper train</c>): the part before the
/// pooling without the concatenation and transpose its ONNX model adds for the engines, a <see cref="DynamicPool"/> node
/// with the manifest's scale r and mean move, then the part after the pooling without its leading transpose.
/// </summary>
public static class PooledModelJoin
{
    /// <summary>Joins the parts.</summary>
    /// <param name="before">The part before the pooling (<see cref="PoolingSettings.Before"/>), as written by <see cref="PooledModelSplit.ExportBefore"/>.</param>
    /// <param name="after">The part after the pooling.</param>
    /// <param name="pooling">The manifest's pooling section: the parts' input and output names, r and the mean move.</param>
    /// <param name="source">Where the parts come from, for messages.</param>
    /// <exception cref="InvalidDataException">A part is not shaped as Dipper writes it; the message says what differs.</exception>
    public static ModelGraph Join(byte[] before, byte[] after, PoolingSettings pooling, string source)
    {
        var (features, logits, beforeOnnx) = WithoutFramesOutput(before, pooling, source);
        var first = OnnxImporter.Import(beforeOnnx, $"{source}/{pooling.Before.Onnx}");
        var second = OnnxImporter.Import(after, $"{source}/{pooling.After.Onnx}");
        if (second.Inputs.Count != 1 || second.Inputs[0].Name != pooling.After.Input
            || second.Nodes.Count == 0 || second.Nodes[0].Operation is not Transpose { Permutation: [0, 2, 1] }
            || second.Nodes[0].Inputs[0] != pooling.After.Input)
            throw new InvalidDataException($"{source}/{pooling.After.Onnx}: does not start by turning '{pooling.After.Input}' [batch, frames, features] " +
                "into [batch, features, frames] as dipper writes the part after the pooling");
        if (first.Weights.ContainsKey(DynamicPoolingStem.NormMeanName) || second.Weights.ContainsKey(DynamicPoolingStem.NormMeanName))
            throw new InvalidDataException($"{source}: a part already has a weight named '{DynamicPoolingStem.NormMeanName}'");

        var pool = new GraphNode(DynamicPoolingStem.PoolName,
            new DynamicPool { NormMean = DynamicPoolingStem.NormMeanName, MeanMove = pooling.MeanMove },
            [features, logits], second.Nodes[0].Output);
        var nodes = first.Nodes.Append(pool).Concat(second.Nodes.Skip(1)).ToList();
        var weights = first.Weights.Concat(second.Weights)
            .Append(KeyValuePair.Create(DynamicPoolingStem.NormMeanName, new WeightTensor([1], [pooling.Scale])));
        try
        {
            return new ModelGraph(first.Name, first.Inputs, nodes, second.Outputs, weights);
        }
        catch (GraphException e)
        {
            throw new InvalidDataException($"{source}: the two parts do not join into one model: {e.Message}", e);
        }
    }

    /// <summary>
    /// The part before the pooling with its last two nodes (Concat of features and logits, Transpose to frames-major)
    /// taken off, so its outputs are the pooling's two inputs again.
    /// </summary>
    private static (string Features, string Logits, byte[] Onnx) WithoutFramesOutput(byte[] before, PoolingSettings pooling, string source)
    {
        var where = $"{source}/{pooling.Before.Onnx}";
        var model = OnnxImporter.Parse(before, where);
        var graph = model.Graph;
        var nodes = graph.Node;
        if (nodes.Count < 3 || nodes[^1] is not { OpType: "Transpose" } transpose || transpose.Output.Count != 1 || transpose.Output[0] != pooling.Before.Output
            || nodes[^2] is not { OpType: "Concat" } concat || concat.Output.Count != 1 || concat.Output[0] != transpose.Input[0] || concat.Input.Count != 2)
            throw new InvalidDataException($"{where}: does not end by joining the features and the two logits into '{pooling.Before.Output}' as dipper writes the part before the pooling");
        var (features, logits) = (concat.Input[0], concat.Input[1]);
        nodes.RemoveAt(nodes.Count - 1);
        nodes.RemoveAt(nodes.Count - 1);
        var batch = Dim.Named("batch");
        var samples = Dim.Named("samples");
        graph.Output.Clear();
        graph.Output.Add(OnnxExporter.ValueInfo(new GraphValue(features, new TensorShape(batch, Dim.Fixed(pooling.Features), samples))));
        graph.Output.Add(OnnxExporter.ValueInfo(new GraphValue(logits, new TensorShape(batch, Dim.Fixed(2), samples))));
        return (features, logits, Google.Protobuf.MessageExtensions.ToByteArray(model));
    }
}
