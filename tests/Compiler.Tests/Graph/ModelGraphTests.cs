using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Operations;

namespace Dipper.Compiler.Tests.Graph;

public class ModelGraphTests
{
    private static WeightTensor Zeros(params int[] shape) => new(shape, new float[shape.Aggregate(1, (a, b) => a * b)]);

    private static Conv1d Conv(int inChannels, int outChannels, int kernel, int stride = 1, int padding = 0, int groups = 1) => new()
    {
        InChannels = inChannels, OutChannels = outChannels, KernelSize = kernel, Stride = stride,
        Padding = padding, Groups = groups, Weight = "w",
    };

    private static TensorShape Signal(Dim samples) => new(Dim.Named("batch"), 1, samples);

    [Fact]
    public void Strided_convolution_turns_1800_samples_into_600_frames()
    {
        var b = new GraphBuilder("g");
        var x = b.Input("signal", Signal(1800));
        b.Weight("w", Zeros(80, 1, 9));
        var y = b.Add("conv", Conv(1, 80, 9, stride: 3, padding: 4), x);

        var graph = b.Build(new GraphValue(y, new TensorShape(Dim.Named("batch"), 80, 600)));

        Assert.Equal("[batch, 80, 600]", graph.Shapes["conv"].ToString());
    }

    [Fact]
    public void Run_time_signal_length_stays_open_through_convolutions_and_keeps_the_batch_name()
    {
        var b = new GraphBuilder("g");
        var x = b.Input("signal", Signal(Dim.Named("samples")));
        b.Weight("w", Zeros(80, 1, 9));
        b.Add("conv", Conv(1, 80, 9, stride: 3, padding: 4), x);
        var t = b.Add("t", new Transpose { Permutation = [0, 2, 1] }, "conv");

        var graph = b.Build(new GraphValue(t, new TensorShape(Dim.Named("batch"), Dim.Named("frames"), 80)));

        Assert.Equal("[batch, ?, 80]", graph.Shapes["t"].ToString());
    }

    [Fact]
    public void Weight_of_the_wrong_shape_is_reported_with_node_and_weight_names()
    {
        var b = new GraphBuilder("g");
        var x = b.Input("signal", Signal(100));
        b.Weight("w", Zeros(80, 1, 7));
        b.Add("stem", Conv(1, 80, 9), x);

        var e = Assert.Throws<GraphException>(() => b.Build());
        Assert.Contains("node 'stem' (Conv1d)", e.Message);
        Assert.Contains("weight 'w' has shape (80, 1, 7), expected (80, 1, 9)", e.Message);
    }

    [Fact]
    public void Depthwise_convolution_needs_one_input_channel_per_group_in_its_weight()
    {
        var b = new GraphBuilder("g");
        var x = b.Input("x", new TensorShape(1, 80, 50));
        b.Weight("w", Zeros(80, 1, 11));
        b.Add("dw", Conv(80, 80, 11, padding: 5, groups: 80), x);

        var graph = b.Build();

        Assert.Equal("[1, 80, 50]", graph.Shapes["dw"].ToString());
    }

    [Fact]
    public void Value_read_before_it_is_made_is_an_error()
    {
        var b = new GraphBuilder("g");
        b.Input("x", new TensorShape(1, 80, 50));
        b.Add("act", new Swish(), "later");

        var e = Assert.Throws<GraphException>(() => b.Build());
        Assert.Contains("reads 'later'", e.Message);
    }

    [Fact]
    public void Missing_weight_is_named()
    {
        var b = new GraphBuilder("g");
        var x = b.Input("x", new TensorShape(1, 80, 50));
        b.Add("conv", Conv(80, 80, 1), x);

        var e = Assert.Throws<GraphException>(() => b.Build());
        Assert.Contains("weight 'w' is missing", e.Message);
    }

    [Fact]
    public void Weight_no_node_reads_is_an_error()
    {
        var b = new GraphBuilder("g");
        var x = b.Input("x", new TensorShape(1, 80, 50));
        b.Weight("stray", Zeros(3));
        b.Add("act", new Relu(), x);

        var e = Assert.Throws<GraphException>(() => b.Build());
        Assert.Contains("'stray' is not read", e.Message);
    }

    [Fact]
    public void Residual_add_of_different_channel_counts_is_an_error()
    {
        var b = new GraphBuilder("g");
        var x = b.Input("x", new TensorShape(1, 80, 50));
        var y = b.Input("y", new TensorShape(1, 40, 50));
        b.Add("sum", new Add(), x, y);

        var e = Assert.Throws<GraphException>(() => b.Build());
        Assert.Contains("cannot add [1, 80, 50] and [1, 40, 50]", e.Message);
    }

    [Fact]
    public void Output_that_does_not_compute_its_declared_shape_is_an_error()
    {
        var b = new GraphBuilder("g");
        var x = b.Input("x", new TensorShape(1, 40, 50));
        b.Weight("w", Zeros(5, 40));
        var y = b.Add("out", new Linear { InFeatures = 40, OutFeatures = 5, Weight = "w" }, b.Add("t", new Transpose { Permutation = [0, 2, 1] }, x));

        var e = Assert.Throws<GraphException>(() => b.Build(new GraphValue(y, new TensorShape(1, 50, 4))));
        Assert.Contains("declared [1, 50, 4] but computes [1, 50, 5]", e.Message);
    }

    [Fact]
    public void Parameter_count_leaves_out_batchnorm_running_statistics()
    {
        var b = new GraphBuilder("g");
        var x = b.Input("x", new TensorShape(1, 1, 20));
        b.Weight("w", Zeros(4, 1, 3));
        foreach (var name in new[] { "g", "s", "m", "v" }) b.Weight(name, Zeros(4));
        b.Add("bn", new BatchNorm1d { Channels = 4, Epsilon = 1e-3, Scale = "g", Shift = "s", RunningMean = "m", RunningVariance = "v" },
            b.Add("conv", Conv(1, 4, 3), x));

        Assert.Equal(12 + 4 + 4, b.Build().ParameterCount);
    }
}
