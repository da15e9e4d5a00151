using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Operations;
using Dipper.Compiler.Numerics;

namespace Dipper.Compiler.Passes.Compression;

/// <summary>
/// A convolution or linear node seen as the layer-wise methods see it: a weight matrix
/// d_out × d_in with d_in = (input channels / groups) · kernel, one per channel group. A
/// convolution's kernel [out, in/groups, k] is already that matrix in row-major order (column
/// i·k + tap), so group g is simply rows g·(out/groups) onwards; a depthwise convolution has one
/// row per group.
/// </summary>
/// <param name="Node">The graph node.</param>
/// <param name="Weight">Name of its weight.</param>
/// <param name="Outputs">Output channels or features (d_out of the whole layer).</param>
/// <param name="Groups">Channel groups (1 for a linear layer).</param>
/// <param name="GroupInputs">d_in of one group: inputs per group × kernel width.</param>
public sealed record CompressibleLayer(GraphNode Node, string Weight, int Outputs, int Groups, int GroupInputs)
{
    /// <summary>The layer view of a node, or null when the node has no weight matrix to compress.</summary>
    public static CompressibleLayer? Of(GraphNode node) => node.Operation switch
    {
        Conv1d conv => new(node, conv.Weight, conv.OutChannels, conv.Groups, conv.InChannels / conv.Groups * conv.KernelSize),
        Linear linear => new(node, linear.Weight, linear.OutFeatures, 1, linear.InFeatures),
        _ => null,
    };

    /// <summary>Outputs of one group.</summary>
    public int GroupOutputs => Outputs / Groups;

    /// <summary>True when every channel is its own group (a depthwise convolution): compressed channel by channel.</summary>
    public bool IsDepthwise => Groups > 1 && GroupOutputs == 1 && Node.Operation is Conv1d { InChannels: var c } && c == Groups;

    /// <summary>Number of weights (biases excluded).</summary>
    public int WeightCount => Outputs * GroupInputs;

    /// <summary>"Conv1d", "Conv1d depthwise", "Conv1d grouped" or "Linear", for records and reports.</summary>
    public string Kind => Node.Operation switch
    {
        Linear => "Linear",
        _ when IsDepthwise => "Conv1d depthwise",
        _ when Groups > 1 => "Conv1d grouped",
        _ => "Conv1d",
    };

    /// <summary>The weight's shape as a biologist reading the report sees the layer: out × in/groups × kernel, or out × in.</summary>
    public string ShapeText => Node.Operation switch
    {
        Conv1d conv => $"{conv.OutChannels}×{conv.InChannels / conv.Groups}×{conv.KernelSize}",
        _ => $"{Outputs}×{GroupInputs}",
    };

    /// <summary>The weights of group <paramref name="group"/> as a new GroupOutputs × GroupInputs matrix.</summary>
    public Matrix<float> GroupWeights(WeightTensor weight, int group)
    {
        var values = weight.Values.Slice(group * GroupOutputs * GroupInputs, GroupOutputs * GroupInputs).ToArray();
        return new Matrix<float>(GroupOutputs, GroupInputs, values);
    }
}
