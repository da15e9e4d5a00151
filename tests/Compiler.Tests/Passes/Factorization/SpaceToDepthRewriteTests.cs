using Dipper.Compiler.Costing;
using Dipper.Compiler.Export;
using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Execution;
using Dipper.Compiler.Graph.Lowered;
using Dipper.Compiler.Graph.Operations;
using Dipper.Compiler.Passes;
using Dipper.Compiler.Passes.Compression;
using Dipper.Compiler.Passes.Factorization;
using Dipper.Compiler.Quantisation;
using Dipper.Compiler.Tests.Quantisation;
using Dipper.Compiler.Verification;
using Xunit.Abstractions;

namespace Dipper.Compiler.Tests.Passes.Factorization;

public class SpaceToDepthRewriteTests(ITestOutputHelper log)
{
    private const int Channels = 8;

    private static readonly ModelCompressionOptions Options = new()
    {
        Method = CompressionMethod.SpaceToDepth, Sparsity = 0, Recalibrate = false, Threads = 1, Batch = SmallGraphs.Batch,
    };

    private static IReadOnlyList<float[]> Chunks() => Enumerable.Range(0, 8).Select(s => SmallGraphs.Signal(400 + s, 1)).ToArray();

    /// <summary>signal → 3-tap conv to C → swish → residual block (depthwise k11, pointwise, swish, depthwise k11, pointwise; 1×1 residual) → swish.</summary>
    private static ModelGraph BaseCaller() => SmallGraphs.Build(31, (g, x) =>
    {
        x = g.Node("stem.act", new Swish(), g.Conv(x, 1, Channels, 3));
        var y = g.Conv(g.Conv(x, Channels, Channels, 11, depthwise: true), Channels, Channels, 1);
        y = g.Conv(g.Conv(g.Node("block.conv.act", new Swish(), y), Channels, Channels, 11, depthwise: true), Channels, Channels, 1);
        return g.Node("block.act", new Swish(), g.Node("block.add", new Add(), y, g.Conv(x, Channels, Channels, 1)));
    });

    [Fact]
    public void Residual_block_becomes_stride_3_in_twice_the_channels_on_a_third_of_the_frames_and_transposed_stride_3_out()
    {
        var graph = BaseCaller();

        var rewritten = SpaceToDepthRewrite.Apply(graph, Chunks(), Options, null, CancellationToken.None).Graph;

        var block = Assert.Single(ResidualBlock.All(graph));
        Assert.Equal("block", block.Name);
        var down = rewritten.Nodes.Single(n => n.Name == "block.s2d_down");
        var up = rewritten.Nodes.Single(n => n.Name == "block.s2d_up");
        Assert.Equal((Channels, 2 * Channels, 3, 3, 0), Conv(down) is var d ? (d.InChannels, d.OutChannels, d.KernelSize, d.Stride, d.Padding) : default);
        var transposed = Assert.IsType<ConvTranspose1d>(up.Operation);
        Assert.Equal((2 * Channels, Channels, 3, 3, 0, (string?)null), (transposed.InChannels, transposed.OutChannels, transposed.KernelSize, transposed.Stride, transposed.Padding, transposed.Bias));
        // The branch's layers again, at 2C channels (depthwise stays depthwise), on a third of the frames.
        var inner = rewritten.Nodes.SkipWhile(n => n != down).Skip(1).TakeWhile(n => n != up).ToArray();
        Assert.Equal(block.Main.Select(n => n.Operation.Kind), inner.Select(n => n.Operation.Kind));
        Assert.All(inner.Select(n => n.Operation).OfType<Conv1d>(), c => Assert.Equal((2 * Channels, 2 * Channels), (c.InChannels, c.OutChannels)));
        Assert.Contains(inner.Select(n => n.Operation).OfType<Conv1d>(), c => c.Groups == 2 * Channels);
        var input = new FloatTensor([SmallGraphs.Batch, 1, SmallGraphs.Samples], SmallGraphs.Signal(3));
        var shapes = new Dictionary<string, int[]>();
        var output = new FloatExecutor(rewritten).Run(input, (name, value) => shapes[name] = value.Shape);
        Assert.Equal([SmallGraphs.Batch, 2 * Channels, SmallGraphs.Samples / 3], shapes[inner[^1].Output]);
        Assert.Equal([SmallGraphs.Batch, Channels, SmallGraphs.Samples], shapes[up.Output]);
        Assert.Equal(new FloatExecutor(graph).Run(input).Shape, output.Shape);
        // The join and what follows are untouched.
        Assert.Equal(graph.Nodes.SkipWhile(n => n.Name != "block.act").Select(n => n.Name), rewritten.Nodes.SkipWhile(n => n.Name != "block.act").Select(n => n.Name));
    }

    [Fact]
    public void Block_whose_branch_twice_the_channels_hold_exactly_is_reproduced_exactly()
    {
        // Channels that are affine maps of the signal: a 3-frame patch has rank 4 (3 samples and the constant), within 2C = 16,
        // and a pointwise branch is then exactly a map of the patch the stride-3 pair can express.
        var graph = SmallGraphs.Build(37, (g, x) =>
        {
            x = g.Conv(x, 1, Channels, 1);
            return g.Node("block.add", new Add(), g.Conv(x, Channels, Channels, 1), g.Conv(x, Channels, Channels, 1));
        });

        var rewritten = SpaceToDepthRewrite.Apply(graph, Chunks(), Options, null, CancellationToken.None, blocks: new HashSet<string> { "block" });

        var record = Assert.Single(rewritten.Layers);
        log.WriteLine($"relative error of the branch: {record.RelativeError:E2}");
        Assert.True(record.RelativeError < 1e-6, $"relative error {record.RelativeError}");
        var input = new FloatTensor([SmallGraphs.Batch, 1, SmallGraphs.Samples], SmallGraphs.Signal(11));
        var (before, after) = (new FloatExecutor(graph).Run(input), new FloatExecutor(rewritten.Graph).Run(input));
        Assert.True(TestData.MaxAbsDifference(before.Values, after.Values) < 1e-3, $"max |Δ| {TestData.MaxAbsDifference(before.Values, after.Values)}");
    }

    [Fact]
    public void Int8_tflite_of_the_s2d_model_runs_as_the_int8_reference_and_maps_wholly_to_the_edge_tpu()
    {
        var graph = BaseCaller();
        var rewritten = SpaceToDepthRewrite.Apply(graph, Chunks(), Options, null, CancellationToken.None).Graph;
        var (lowered, int8) = SmallGraphs.Quantise(LowerSwish.Apply(rewritten));
        var signal = SmallGraphs.Signal(5);
        var expected = new FloatExecutor(rewritten).Run(new FloatTensor([SmallGraphs.Batch, 1, SmallGraphs.Samples], signal));

        var floatRuntime = TfliteRunner.Run<float, float>(TfliteExporter.Export(lowered), signal);
        var input = signal.Select(SmallGraphs.InputParameters.Quantise).ToArray();
        var runtime = TfliteRunner.Run<sbyte, sbyte>(TfliteExporter.Export(int8), input);

        // TFLite checks the shapes itself: the float model computes the rewritten graph, the int8 one what the reference predicts.
        Assert.True(TestData.MaxAbsDifference(expected.Values, floatRuntime.Output) < 1e-4);
        Assert.Equal(new Int8Reference(int8).Run(input), runtime.Output);
        Assert.Contains(int8.Operators, o => o is { Kind: LoweredOpKind.TransposeConv, Stride: 3 });
        Assert.Contains(int8.Operators, o => o is { Kind: LoweredOpKind.Conv2D, Stride: 3 });
        var check = EdgeTpuCheck.Of(int8);
        Assert.Null(check.FirstCpuOperator);
        var (dense, s2d) = (EdgeTpuCostModel.Estimate(SmallGraphs.Quantise(LowerSwish.Apply(graph)).Int8), EdgeTpuCostModel.Estimate(int8));
        log.WriteLine($"Edge TPU estimate (not measured), {SmallGraphs.Batch} × {SmallGraphs.Samples} samples: dense {dense.Microseconds:0.0} µs, s2d {s2d.Microseconds:0.0} µs");
        Assert.True(s2d.Microseconds < dense.Microseconds, "the cost model chose a rewrite it estimates slower");
    }

    [Fact]
    public void Block_the_cost_model_says_does_not_pay_is_left_as_it_is()
    {
        // A 1×1 branch costs almost nothing: the stride-3 pair would cost more than it saves.
        var graph = SmallGraphs.Build(41, (g, x) =>
        {
            x = g.Node("stem.act", new Swish(), g.Conv(x, 1, Channels, 3));
            return g.Node("block.add", new Add(), g.Conv(x, Channels, Channels, 1), g.Conv(x, Channels, Channels, 1));
        });

        var estimate = Assert.Single(SpaceToDepthRewrite.Estimate(graph, SmallGraphs.Batch, SmallGraphs.Samples));
        var rewritten = SpaceToDepthRewrite.Apply(graph, Chunks(), Options, null, CancellationToken.None);

        log.WriteLine($"1×1 branch: {estimate.DenseMicroseconds:0.000} µs as it is, {estimate.S2dMicroseconds:0.000} µs in S2D form (estimate)");
        Assert.True(estimate.S2dMicroseconds > estimate.DenseMicroseconds);
        Assert.False(estimate.Pays);
        Assert.Empty(rewritten.Layers);
        Assert.Equal(graph.Nodes, rewritten.Graph.Nodes);
    }

    [Fact]
    public void Frames_that_are_not_a_multiple_of_3_are_refused_with_the_block_named()
    {
        var chunks = Enumerable.Range(0, 4).Select(s => SmallGraphs.Signal(500 + s, 1, 61)).ToArray();

        var error = Assert.Throws<ArgumentException>(() => SpaceToDepthRewrite.Apply(BaseCaller(), chunks, Options, null, CancellationToken.None));

        Assert.Contains("block 'block' sees 61 frames", error.Message);
    }

    private static Conv1d Conv(GraphNode node) => Assert.IsType<Conv1d>(node.Operation);
}
