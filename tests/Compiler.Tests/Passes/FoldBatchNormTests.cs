using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Operations;
using Dipper.Compiler.Passes;

namespace Dipper.Compiler.Tests.Passes;

public class FoldBatchNormTests
{
    /// <summary>x → conv (2 channels, k2, optional bias) → BN → swish, plus extra readers of the conv output.</summary>
    private static ModelGraph ConvBn(bool convBias, bool secondReader = false)
    {
        var b = new GraphBuilder("g");
        var x = b.Input("x", new TensorShape(1, 1, 10));
        b.Weight("conv.weight", new WeightTensor([2, 1, 2], [1, 2, 3, 4]));
        if (convBias) b.Weight("conv.bias", new WeightTensor([2], [0.5f, -1]));
        b.Weight("bn.weight", new WeightTensor([2], [2, 0.5f]));
        b.Weight("bn.bias", new WeightTensor([2], [1, -1]));
        b.Weight("bn.mean", new WeightTensor([2], [3, -2]));
        b.Weight("bn.var", new WeightTensor([2], [3.999f, 0.249f]));
        var conv = b.Add("conv", new Conv1d
        {
            InChannels = 1, OutChannels = 2, KernelSize = 2, Weight = "conv.weight", Bias = convBias ? "conv.bias" : null,
        }, x);
        var bn = b.Add("bn", new BatchNorm1d
        {
            Channels = 2, Epsilon = 1e-3, Scale = "bn.weight", Shift = "bn.bias", RunningMean = "bn.mean", RunningVariance = "bn.var",
        }, conv);
        var act = b.Add("act", new Swish(), bn);
        if (secondReader) b.Add("other", new Relu(), conv);
        return b.Build(new GraphValue(act, new TensorShape(1, 2, 9)));
    }

    /// <summary>The fold computes in double; rounding ε into float leaves ~1e-8 differences.</summary>
    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 1e-6);
    }

    [Fact]
    public void Folding_scales_the_kernel_and_makes_a_bias_per_output_channel()
    {
        var folded = FoldBatchNorm.Apply(ConvBn(convBias: false));

        // s = γ/√(var + ε): 2/√4 = 1 and 0.5/√0.25 = 1
        // channel 0: s = 1, kernel (1, 2), bias (0 − 3)·1 + 1 = −2; channel 1: s = 1, kernel (3, 4), bias (0 + 2)·1 − 1 = 1
        Assert.Equal(["conv", "act"], folded.Nodes.Select(n => n.Name));
        var conv = Assert.IsType<Conv1d>(folded.Nodes[0].Operation);
        Assert.Equal("bn", folded.Nodes[0].Output);
        AssertClose([1f, 2, 3, 4], folded.Weights[conv.Weight].Values.ToArray());
        Assert.Equal("conv.bias", conv.Bias);
        AssertClose([-2f, 1], folded.Weights[conv.Bias!].Values.ToArray());
        Assert.DoesNotContain("bn.mean", folded.Weights.Keys);
    }

    [Fact]
    public void Existing_convolution_bias_is_shifted_and_scaled_too()
    {
        var graph = ConvBn(convBias: true);
        var gamma = new WeightTensor([2], [4, 0.5f]);
        var scaled = new ModelGraph(graph.Name, graph.Inputs, graph.Nodes, graph.Outputs,
            graph.Weights.Select(w => w.Key == "bn.weight" ? new KeyValuePair<string, WeightTensor>(w.Key, gamma) : w));

        var folded = FoldBatchNorm.Apply(scaled);

        // channel 0: s = 4/2 = 2, kernel (2, 4), bias (0.5 − 3)·2 + 1 = −4; channel 1: s = 1, kernel (3, 4), bias (−1 + 2)·1 − 1 = 0
        var conv = Assert.IsType<Conv1d>(folded.Nodes[0].Operation);
        AssertClose([2f, 4, 3, 4], folded.Weights[conv.Weight].Values.ToArray());
        AssertClose([-4f, 0], folded.Weights[conv.Bias!].Values.ToArray());
    }

    [Fact]
    public void Convolution_read_by_another_node_is_not_folded()
    {
        var graph = ConvBn(convBias: false, secondReader: true);

        var folded = FoldBatchNorm.Apply(graph);

        Assert.Equal(graph.Nodes.Select(n => n.Name), folded.Nodes.Select(n => n.Name));
        Assert.Null(Assert.IsType<Conv1d>(folded.Nodes[0].Operation).Bias);
    }

    [Fact]
    public void Folding_leaves_the_input_graph_unchanged()
    {
        var graph = ConvBn(convBias: true);

        FoldBatchNorm.Apply(graph);

        Assert.Equal(3, graph.Nodes.Count);
        Assert.Equal([0.5f, -1], graph.Weights["conv.bias"].Values.ToArray());
    }
}
