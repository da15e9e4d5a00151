using Dipper.Compiler.Export;
using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Lowered;
using Dipper.Compiler.Graph.Operations;
using Dipper.Compiler.Passes;
using Xunit.Abstractions;

namespace Dipper.Compiler.Tests.Passes;

public class LowerToNhwcTests(ITestOutputHelper log)
{
    [Fact]
    public void Default_model_becomes_tflite_builtins_with_the_batch_as_image_height()
    {
        var lowered = Sbonito.Lowered;

        var counts = lowered.Operators.GroupBy(o => o.Kind).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(1, counts[LoweredOpKind.Pad]);
        Assert.Equal(26, counts[LoweredOpKind.DepthwiseConv2D]);
        Assert.Equal(1 + 26 + 5 + 1 + 1, counts[LoweredOpKind.Conv2D]); // stem, pointwise, residual, C3, output layer
        Assert.Equal(2, counts[LoweredOpKind.Reshape]);
        Assert.Equal(1, counts[LoweredOpKind.LogSoftmax]);
        Assert.Equal(counts[LoweredOpKind.Logistic], counts[LoweredOpKind.Mul]);
        Assert.Equal([3, 1800, 1], lowered.InputTensor.Shape);
        Assert.Equal([3, 600, 5], lowered.OutputTensor.Shape);
        Assert.All(lowered.Tensors.Where(t => !t.IsConstant), t => Assert.True(t.Shape.Length < 4 || t.Shape[0] == 1, t.Name));
    }

    [Fact]
    public void Stride_3_stem_gets_explicit_padding_and_odd_stride_1_kernels_use_same()
    {
        var lowered = Sbonito.Lowered;

        var pad = lowered.Operators.Single(o => o.Kind == LoweredOpKind.Pad);
        Assert.Equal([0, 0, 0, 0, 4, 4, 0, 0], (int[])lowered.Tensors[pad.Inputs[1]].Data!);
        var stem = lowered.Operators.First(o => o.Kind == LoweredOpKind.Conv2D);
        Assert.Equal((ConvPadding.Valid, 3), (stem.Padding, stem.Stride));
        Assert.All(lowered.Operators.Where(o => o.Kind == LoweredOpKind.DepthwiseConv2D), o => Assert.Equal(ConvPadding.Same, o.Padding));
    }

    [Fact]
    public void Float_tflite_of_the_default_model_gives_the_pytorch_log_probs()
    {
        var runtime = TfliteRunner.Run<float, float>(TfliteExporter.Export(Sbonito.Lowered), TestData.ReferenceWindows());

        var difference = TestData.MaxAbsDifference(runtime.Output, TestData.ReferenceLogProbs());
        log.WriteLine($"max |Δ log-prob| float TFLite vs PyTorch: {difference:E2}");
        Assert.True(difference <= 1e-3, $"max |Δ log-prob| = {difference}");
    }

    [Fact]
    public void Host_log_softmax_ends_the_graph_at_the_class_scores()
    {
        var lowered = LowerToNhwc.Apply(Sbonito.Float, 2, 1800, logSoftmaxInGraph: false);

        Assert.True(lowered.OutputIsLogits);
        Assert.DoesNotContain(lowered.Operators, o => o.Kind == LoweredOpKind.LogSoftmax);
        Assert.Equal(LoweredOpKind.Reshape, lowered.Operators[^1].Kind);
        Assert.Equal([2, 600, 5], lowered.OutputTensor.Shape);
    }

    [Fact]
    public void Swish_and_batch_norm_must_be_lowered_and_folded_first()
    {
        var b = new GraphBuilder("g");
        var x = b.Input("x", new TensorShape(Dim.Named("batch"), 1, Dim.Named("samples")));
        var y = b.Add("act", new Swish(), x);
        var t = b.Add("t", new Transpose { Permutation = [0, 2, 1] }, y);
        var graph = b.Build(new GraphValue(t, new TensorShape(Dim.Named("batch"), Dim.Named("samples"), 1)));

        var e = Assert.Throws<GraphException>(() => LowerToNhwc.Apply(graph, 1, 10));

        Assert.Contains("node 'act' (Swish): run lower-swish first", e.Message);
    }
}
