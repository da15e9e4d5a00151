using System.Globalization;
using Dipper.Compiler.Costing;
using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Lowered;
using Dipper.Compiler.Graph.Operations;
using Dipper.Compiler.Passes;

namespace Dipper.Compiler.Tests.Costing;

public class EdgeTpuCostModelTests
{
    // The coral-benchmark README's published figures, committed with their source in tests/data/reference/coral-benchmark:
    // µs per block per chunk, 4 × 1668 int8 frames, 10 blocks.
    private const int Chunks = 4, Frames = 1668, Repeat = 10;

    public static TheoryData<int, double> Baseline() => Figures(column: 1);

    public static TheoryData<int, double> Depthwise() => Figures(column: 2);

    [Theory]
    [MemberData(nameof(Baseline))]
    public void Baseline_io_network_is_estimated_within_20_percent_of_coral_benchmark(int channels, double published)
    {
        var estimate = EdgeTpuCostModel.Estimate(BenchmarkNetwork(channels, depthwiseLayers: 0));

        AssertWithin20Percent(published, estimate.Microseconds / (Chunks * Repeat), $"baseline_io at {channels} channels");
    }

    [Theory]
    [MemberData(nameof(Depthwise))]
    public void Depthwise_k5_block_is_estimated_within_20_percent_of_coral_benchmark(int channels, double published)
    {
        var estimate = EdgeTpuCostModel.Estimate(BenchmarkNetwork(channels, depthwiseLayers: Repeat));

        AssertWithin20Percent(published, estimate.Microseconds / (Chunks * Repeat), $"depthwise k5 at {channels} channels");
    }

    [Fact]
    public void Depthwise_layer_costs_in_proportion_to_its_taps_and_dense_convolution_to_its_multiply_adds()
    {
        var k5 = EdgeTpuCostModel.Estimate(BenchmarkNetwork(128, 1, kernel: 5));
        var k15 = EdgeTpuCostModel.Estimate(BenchmarkNetwork(128, 1, kernel: 15));
        var dw5 = k5.Operators.Single(o => o.Operator == "DEPTHWISE_CONV_2D");
        var dw15 = k15.Operators.Single(o => o.Operator == "DEPTHWISE_CONV_2D");

        Assert.Equal(CostBound.DepthwiseTaps, dw5.Bound);
        Assert.Equal(3.0, dw15.Microseconds / dw5.Microseconds * (Frames - 4) / (Frames - 14), 2);
        var dense = EdgeTpuCostModel.Estimate(DenseNetwork(128, 3)).Operators.Single(o => o.Name == "dense");
        Assert.Equal(CostBound.Compute, dense.Bound);
        Assert.Equal(dense.Macs / EdgeTpuCostModel.PeakMacsPerSecond * 1e6, dense.Microseconds, 6);
    }

    [Fact]
    public void Transposed_convolution_is_estimated_as_the_mirrored_dense_convolution_of_the_same_multiply_adds()
    {
        // C → 2C at a third of the frames (CONV_2D k3 s3) and back (TRANSPOSE_CONV k3 s3): the same multiply-adds, bytes and array shape.
        const int channels = 96;
        var builder = new GraphBuilder("s2d");
        var x = builder.Input("signal", new TensorShape(Dim.Named("batch"), 1, Dim.Named("samples")));
        x = Conv(builder, "expand", x, 1, channels, 1, 1);
        builder.Weight("down.weight", new WeightTensor([2 * channels, channels, 3], new float[2 * channels * channels * 3]));
        x = builder.Add("down", new Conv1d { InChannels = channels, OutChannels = 2 * channels, KernelSize = 3, Stride = 3, Weight = "down.weight" }, x);
        builder.Weight("up.weight", new WeightTensor([2 * channels, channels, 3], new float[2 * channels * channels * 3]));
        x = builder.Add("up", new ConvTranspose1d { InChannels = 2 * channels, OutChannels = channels, KernelSize = 3, Stride = 3, Weight = "up.weight" }, x);

        var estimate = EdgeTpuCostModel.Estimate(Lower(builder, Conv(builder, "reduce", x, channels, 1, 1, 1)));

        var down = estimate.Operators.Single(o => o.Name == "down");
        var up = estimate.Operators.Single(o => o.Name == "up");
        Assert.Equal("TRANSPOSE_CONV", up.Operator);
        Assert.Equal((long)Chunks * Frames * channels * 2 * channels, up.Macs);
        Assert.Equal((down.Macs, down.ActivationBytes, down.Bound), (up.Macs, up.ActivationBytes, up.Bound));
        Assert.Equal(down.Microseconds, up.Microseconds, 9);
    }

    [Fact]
    public void Operators_after_the_first_one_the_edge_tpu_lacks_run_on_the_cpu_and_are_not_estimated()
    {
        var estimate = EdgeTpuCostModel.Estimate(Sbonito.Int8);

        var last = estimate.Operators[^1];
        Assert.Equal("LOG_SOFTMAX", last.Operator);
        Assert.Equal(CostBound.Cpu, last.Bound);
        Assert.Equal(0, last.Microseconds);
        Assert.Equal(1, estimate.CpuOperators);
        Assert.True(estimate.Operators.Take(estimate.Operators.Count - 1).All(o => o.Bound != CostBound.Cpu));
        Assert.Equal(estimate.Batch * estimate.Samples / (estimate.Microseconds * 1e-6), estimate.SamplesPerSecond, 6);
    }

    private static TheoryData<int, double> Figures(int column)
    {
        var data = new TheoryData<int, double>();
        var file = Path.Combine(AppContext.BaseDirectory, "data", "reference", "coral-benchmark", "op-times.tsv");
        foreach (var line in File.ReadLines(file).Where(l => !l.StartsWith('#')).Skip(1))
        {
            var fields = line.Split('\t');
            data.Add(int.Parse(fields[0], CultureInfo.InvariantCulture), double.Parse(fields[column], CultureInfo.InvariantCulture));
        }
        return data;
    }

    private static void AssertWithin20Percent(double published, double estimated, string what) =>
        Assert.True(Math.Abs(estimated / published - 1) <= 0.2,
            $"{what}: estimated {estimated:0.0} µs per block per chunk, coral-benchmark {published:0.0} µs");

    /// <summary>coral-benchmark's network: 1×1 conv to F channels, the blocks under test (VALID, as Keras pads), 1×1 conv to one channel.</summary>
    private static LoweredGraph BenchmarkNetwork(int channels, int depthwiseLayers, int kernel = 5)
    {
        var builder = new GraphBuilder("coral-benchmark");
        var x = builder.Input("signal", new TensorShape(Dim.Named("batch"), 1, Dim.Named("samples")));
        x = Conv(builder, "expand", x, 1, channels, 1, 1);
        for (var i = 0; i < depthwiseLayers; i++) x = Conv(builder, $"depthwise{i}", x, channels, channels, kernel, channels);
        x = Conv(builder, "reduce", x, channels, 1, 1, 1);
        return Lower(builder, x);
    }

    private static LoweredGraph DenseNetwork(int channels, int kernel)
    {
        var builder = new GraphBuilder("dense");
        var x = builder.Input("signal", new TensorShape(Dim.Named("batch"), 1, Dim.Named("samples")));
        x = Conv(builder, "expand", x, 1, channels, 1, 1);
        x = Conv(builder, "dense", x, channels, channels, kernel, 1);
        return Lower(builder, Conv(builder, "reduce", x, channels, 1, 1, 1));
    }

    private static string Conv(GraphBuilder builder, string name, string x, int inChannels, int outChannels, int kernel, int groups)
    {
        builder.Weight($"{name}.weight", new WeightTensor([outChannels, inChannels / groups, kernel], new float[outChannels * inChannels / groups * kernel]));
        return builder.Add(name, new Conv1d
        {
            InChannels = inChannels, OutChannels = outChannels, KernelSize = kernel, Groups = groups, Weight = $"{name}.weight",
        }, x);
    }

    private static LoweredGraph Lower(GraphBuilder builder, string x)
    {
        var output = builder.Add("frames", new Transpose { Permutation = [0, 2, 1] }, x);
        var probe = builder.Build();
        var graph = new ModelGraph(probe.Name, probe.Inputs, probe.Nodes, [new GraphValue(output, probe.Shapes[output])], probe.Weights);
        return LowerToNhwc.Apply(graph, Chunks, Frames);
    }
}
