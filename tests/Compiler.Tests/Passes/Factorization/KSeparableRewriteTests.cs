using Dipper.Compiler.Export;
using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Execution;
using Dipper.Compiler.Graph.Lowered;
using Dipper.Compiler.Graph.Operations;
using Dipper.Compiler.Passes.Compression;
using Dipper.Compiler.Passes.Factorization;
using Dipper.Compiler.Tests.Quantisation;
using Dipper.Compiler.Verification;
using Xunit.Abstractions;

namespace Dipper.Compiler.Tests.Passes.Factorization;

public class KSeparableRewriteTests(ITestOutputHelper log)
{
    private const int Channels = 6, OutChannels = 8, Samples = 120;

    private static readonly ModelCompressionOptions Options = new()
    {
        Method = CompressionMethod.KSeparable, Sparsity = 0, Recalibrate = false, Threads = 1, Batch = 4,
    };

    private static IReadOnlyList<float[]> Chunks(int samples) => Enumerable.Range(0, 8).Select(s => SmallGraphs.Signal(300 + s, 1, samples)).ToArray();

    [Fact]
    public void Block_whose_kernel_has_the_KSeparable_structure_is_reproduced_exactly()
    {
        // Depthwise taps D[i, 3j + s] = u[i, s]·g[j]: each output channel's kernel P[o, i]·D[i, t] is then rank 1 in the split.
        var random = new Random(5);
        float Next() => (float)(random.NextDouble() * 2 - 1);
        var u = Enumerable.Range(0, Channels * 3).Select(_ => Next()).ToArray();
        var g = new[] { 0.5f, -1.2f, 0.8f };
        var depthwise = new float[Channels * 9];
        for (var i = 0; i < Channels; i++)
            for (var t = 0; t < 9; t++) depthwise[i * 9 + t] = u[i * 3 + t % 3] * g[t / 3];
        var graph = SeparableGraph(9, depthwise, random);

        var rewritten = KSeparableRewrite.Apply(graph, Chunks(Samples), Options, null, CancellationToken.None);

        var record = Assert.Single(rewritten.Layers);
        Assert.True(record.RelativeError < 1e-9, $"relative error {record.RelativeError}");
        // The kernel A·B the two new layers apply is the block's P·D, tap for tap.
        var block = SeparableBlock.At(graph, 2)!;
        var (expected, expectedBias) = block.Effective(graph.Weights);
        var dense = rewritten.Graph.Weights["pointwise.ksep_dense.weight"].Values.ToArray();
        var taps = rewritten.Graph.Weights["pointwise.ksep_depthwise.weight"].Values.ToArray();
        AssertSameKernel(expected, (o, i, t) => dense[(o * Channels + i) * 3 + t % 3] * taps[o * 3 + t / 3]);
        Assert.Equal(expectedBias, rewritten.Graph.Weights["pointwise.ksep_depthwise.bias"].Values.ToArray());
        AssertSameInnerFrames(graph, rewritten.Graph);
    }

    [Fact]
    public void Depthwise_first_block_whose_filters_split_into_coarse_and_fine_taps_is_reproduced_exactly()
    {
        // D[i, 3j + s] = u[i, s]·g[i, j]: every input channel has a coarse filter of its own. Depthwise-first holds this
        // exactly (B[i, ·] = g[i, ·], A[o, i, s] = P[o, i]·u[i, s]); dense-first cannot, as an output channel's inputs
        // do not share one coarse envelope.
        var random = new Random(9);
        float Next() => (float)(random.NextDouble() * 2 - 1);
        var u = Enumerable.Range(0, Channels * 3).Select(_ => Next()).ToArray();
        var g = Enumerable.Range(0, Channels * 3).Select(_ => Next()).ToArray();
        var depthwise = new float[Channels * 9];
        for (var i = 0; i < Channels; i++)
            for (var t = 0; t < 9; t++) depthwise[i * 9 + t] = u[i * 3 + t % 3] * g[i * 3 + t / 3];
        var graph = SeparableGraph(9, depthwise, random);

        var rewritten = KSeparableRewrite.Apply(graph, Chunks(Samples), Options with { KSeparableOrder = KSeparableOrder.DepthwiseFirst }, null, CancellationToken.None);
        var denseFirst = KSeparableRewrite.Apply(graph, Chunks(Samples), Options, null, CancellationToken.None);

        var record = Assert.Single(rewritten.Layers);
        log.WriteLine($"relative error under H: depthwise first {record.RelativeError:0.###e+0}, dense first {denseFirst.Layers[0].RelativeError:0.###e+0}");
        Assert.True(record.RelativeError < 1e-9, $"relative error {record.RelativeError}");
        Assert.True(denseFirst.Layers[0].RelativeError > 1e-3, $"dense first: relative error {denseFirst.Layers[0].RelativeError}");
        var block = SeparableBlock.At(graph, 2)!;
        var (expected, expectedBias) = block.Effective(graph.Weights);
        var dense = rewritten.Graph.Weights["pointwise.ksep_dense.weight"].Values.ToArray();
        var taps = rewritten.Graph.Weights["pointwise.ksep_depthwise.weight"].Values.ToArray();
        AssertSameKernel(expected, (o, i, t) => dense[(o * Channels + i) * 3 + t % 3] * taps[i * 3 + t / 3]);
        // The block's bias is the dense layer's, which runs last; the depthwise layer adds nothing.
        Assert.Equal(expectedBias, rewritten.Graph.Weights["pointwise.ksep_dense.bias"].Values.ToArray());
        Assert.All(rewritten.Graph.Weights["pointwise.ksep_depthwise.bias"].Values.ToArray(), b => Assert.Equal(0f, b));
        AssertSameInnerFrames(graph, rewritten.Graph);
    }

    /// <summary>The 9-tap kernel the two new layers apply, <paramref name="rewritten"/>(o, i, t), is the block's P·D tap for tap.</summary>
    private static void AssertSameKernel(float[] expected, Func<int, int, int, float> rewritten)
    {
        for (var o = 0; o < OutChannels; o++)
            for (var i = 0; i < Channels; i++)
                for (var t = 0; t < 9; t++)
                    Assert.True(Math.Abs(expected[(o * Channels + i) * 9 + t] - rewritten(o, i, t)) < 1e-4,
                        $"output {o}, input {i}, tap {t}: {expected[(o * Channels + i) * 9 + t]} became {rewritten(o, i, t)}");
    }

    /// <summary>Every frame whose receptive field lies inside the chunk equals the original block's.</summary>
    private static void AssertSameInnerFrames(ModelGraph graph, ModelGraph rewritten)
    {
        var input = new FloatTensor([1, 1, Samples], SmallGraphs.Signal(77, 1, Samples));
        var before = new FloatExecutor(graph).Run(input);
        var after = new FloatExecutor(rewritten).Run(input);
        var edge = 9 / 2 + 1;
        for (var t = edge; t < Samples - edge; t++)
            for (var o = 0; o < OutChannels; o++)
                Assert.Equal(before.Values[t * OutChannels + o], after.Values[t * OutChannels + o], 3);
    }

    [Fact]
    public void Depthwise_first_puts_the_dilated_depthwise_on_the_inputs_then_the_dense_3_tap_with_the_length_kept()
    {
        var graph = SmallGraphs.Build(11, (g, x) => g.Conv(g.Conv(g.Conv(x, 1, Channels, 3), Channels, Channels, 11, depthwise: true), Channels, OutChannels, 1));
        var pointwise = graph.Nodes.Last(n => n.Operation is Conv1d);

        var rewritten = KSeparableRewrite.Apply(graph, Chunks(SmallGraphs.Samples), Options with { KSeparableOrder = KSeparableOrder.DepthwiseFirst }, null, CancellationToken.None).Graph;

        var convs = rewritten.Nodes.Where(n => n.Operation is Conv1d).ToArray();
        Assert.Equal(3, convs.Length);
        var (depthwise, dense) = ((Conv1d)convs[1].Operation, (Conv1d)convs[2].Operation);
        Assert.Equal((Channels, Channels, 5, Channels, 3, 6), (depthwise.InChannels, depthwise.OutChannels, depthwise.KernelSize, depthwise.Groups, depthwise.Dilation, depthwise.Padding));
        Assert.Equal((Channels, OutChannels, 3, 1, 1, 1), (dense.InChannels, dense.OutChannels, dense.KernelSize, dense.Groups, dense.Dilation, dense.Padding));
        // The dense layer ends the block under the pointwise node's name and output, so nothing downstream changes.
        Assert.Equal((pointwise.Name, pointwise.Output), (convs[2].Name, convs[2].Output));
        Assert.Equal(convs[1].Output, Assert.Single(convs[2].Inputs));
        Assert.Equal(graph.Shapes[graph.Outputs[0].Name].ToString(), rewritten.Shapes[rewritten.Outputs[0].Name].ToString());
    }

    [Fact]
    public void Separable_block_becomes_a_dense_3_tap_and_a_dilated_depthwise_convolution_with_the_length_kept()
    {
        var graph = SmallGraphs.Build(11, (g, x) => g.Conv(g.Conv(g.Conv(x, 1, Channels, 3), Channels, Channels, 11, depthwise: true), Channels, OutChannels, 1));

        var rewritten = KSeparableRewrite.Apply(graph, Chunks(SmallGraphs.Samples), Options, null, CancellationToken.None).Graph;

        var convs = rewritten.Nodes.Select(n => n.Operation).OfType<Conv1d>().ToArray();
        Assert.Equal(3, convs.Length);
        Assert.Equal((Channels, OutChannels, 3, 1, 1), (convs[1].InChannels, convs[1].OutChannels, convs[1].KernelSize, convs[1].Groups, convs[1].Dilation));
        // K = 11 grows to 15 taps, centred: 3 dense taps, then 5 depthwise taps 3 apart.
        Assert.Equal((OutChannels, 5, OutChannels, 3, 6), (convs[2].OutChannels, convs[2].KernelSize, convs[2].Groups, convs[2].Dilation, convs[2].Padding));
        Assert.Equal(graph.Shapes[graph.Outputs[0].Name].ToString(), rewritten.Shapes[rewritten.Outputs[0].Name].ToString());
    }

    [Fact]
    public void Data_aware_fit_reconstructs_the_block_better_under_H_than_the_plain_rank_1_split()
    {
        var graph = SmallGraphs.Build(13, (g, x) => g.Conv(g.Conv(g.Conv(x, 1, Channels, 3), Channels, Channels, 9, depthwise: true), Channels, OutChannels, 1));
        var block = SeparableBlock.At(graph, 1)!;
        var values = new Dictionary<string, FloatTensor>();
        var executor = new FloatExecutor(graph);
        var inputs = Chunks(SmallGraphs.Samples).Select(c =>
        {
            FloatTensor? seen = null;
            executor.Run(new FloatTensor([1, 1, c.Length], c), (name, value) => { if (name == block.Depthwise.Inputs[0]) seen = value; });
            return seen!;
        }).ToArray();
        var gram = LayerInputGram.Collect(CompressibleLayer.Of(block.EffectiveNode())!, inputs, 1, CancellationToken.None)[0];
        var (kernel, _) = block.Effective(graph.Weights);

        var plain = KSeparableFit.Fit(kernel, OutChannels, Channels, 9, null, 1);
        var aware = KSeparableFit.Fit(kernel, OutChannels, Channels, 9, gram, 1);

        var plainUnderH = UnderH(kernel, plain, gram);
        log.WriteLine($"relative error under H: plain rank-1 {plainUnderH:0.####}, data-aware {aware.RelativeError:0.####}");
        Assert.True(aware.RelativeError < 0.9 * plainUnderH, $"data-aware {aware.RelativeError}, plain {plainUnderH}");
    }

    [Theory]
    [InlineData(KSeparableOrder.DenseFirst)]
    [InlineData(KSeparableOrder.DepthwiseFirst)]
    public void Tflite_of_a_rewritten_block_runs_in_tflite_and_matches_the_float_executor_within_int8_tolerance(KSeparableOrder order)
    {
        // A separable block reads a nonlinearity's output in a base caller (else its channels are affine maps of one signal).
        var graph = SmallGraphs.Build(17, (g, x) => g.Conv(g.Conv(g.Node("relu", new Relu(), g.Conv(x, 1, Channels, 3)), Channels, Channels, 11, depthwise: true), Channels, OutChannels, 1));
        var rewritten = KSeparableRewrite.Apply(graph, Chunks(SmallGraphs.Samples), Options with { KSeparableOrder = order }, null, CancellationToken.None).Graph;
        var (lowered, int8) = SmallGraphs.Quantise(rewritten);
        var signal = SmallGraphs.Signal(3);
        var floatRuntime = TfliteRunner.Run<float, float>(TfliteExporter.Export(lowered), signal);

        var runtime = TfliteRunner.Run<sbyte, sbyte>(TfliteExporter.Export(int8), signal.Select(SmallGraphs.InputParameters.Quantise).ToArray());
        var expected = new FloatExecutor(rewritten).Run(new FloatTensor([SmallGraphs.Batch, 1, SmallGraphs.Samples], signal));

        // The float model, run by TFLite, is the rewritten graph itself.
        Assert.True(floatRuntime.Output.Select((v, i) => Math.Abs(v - expected.Values[i])).Max() < 1e-4);
        Assert.Contains(int8.Operators, o => o is { Kind: LoweredOpKind.DepthwiseConv2D, Dilation: 3 });
        Assert.DoesNotContain(int8.Operators, o => o.Kind == LoweredOpKind.Pad);
        Assert.Null(EdgeTpuCheck.Of(int8).FirstCpuOperator);
        var errors = Int8Errors(int8, runtime.Output, expected);
        // Like with like: the original block, quantised and run the same way, is the int8 tolerance.
        var (_, originalInt8) = SmallGraphs.Quantise(graph);
        var original = Int8Errors(originalInt8, TfliteRunner.Run<sbyte, sbyte>(TfliteExporter.Export(originalInt8), signal.Select(SmallGraphs.InputParameters.Quantise).ToArray()).Output,
            new FloatExecutor(graph).Run(new FloatTensor([SmallGraphs.Batch, 1, SmallGraphs.Samples], signal)));
        log.WriteLine($"rewritten: max {errors.Max():0.00}, mean {errors.Average():0.000} output steps; original block: max {original.Max():0.00}, mean {original.Average():0.000}");
        Assert.True(errors.Average() <= 1, $"mean error {errors.Average():0.000} output steps");
        Assert.True(errors.Average() <= 1.5 * original.Average(), $"mean error {errors.Average():0.000} output steps, the original block's {original.Average():0.000}");
        Assert.True(errors.Max() <= 1.5 * original.Max(), $"max error {errors.Max():0.00} output steps, the original block's {original.Max():0.00}");
    }

    /// <summary>|int8 output − float output| of every value, in steps of the int8 output's scale.</summary>
    private static double[] Int8Errors(LoweredGraph int8, sbyte[] runtime, FloatTensor expected)
    {
        var output = int8.OutputTensor.Quantisation!.Parameters;
        Assert.Equal(expected.Values.Length, runtime.Length);
        return runtime.Select((q, i) => (double)Math.Abs(output.Dequantise(q) - expected.Values[i]) / output.Scale).ToArray();
    }

    private static double UnderH(float[] kernel, KSeparableFit.Factors factors, Dipper.Compiler.Numerics.Matrix<double> gram)
    {
        var n = Channels * 9;
        double error = 0, energy = 0;
        for (var o = 0; o < OutChannels; o++)
        {
            var w = new double[n];
            var d = new double[n];
            for (var x = 0; x < n; x++)
            {
                w[x] = kernel[o * n + x];
                d[x] = w[x] - factors.Dense[o * Channels * 3 + x / 9 * 3 + x % 3] * factors.Depthwise[o * 3 + x % 9 / 3];
            }
            for (var r = 0; r < n; r++)
                for (var c = 0; c < n; c++)
                {
                    error += d[r] * gram[r, c] * d[c];
                    energy += w[r] * gram[r, c] * w[c];
                }
        }
        return error / energy;
    }

    /// <summary>signal → 1×1 conv to <see cref="Channels"/> → depthwise (given taps) → pointwise to <see cref="OutChannels"/> → [batch, frames, channels].</summary>
    private static ModelGraph SeparableGraph(int kernel, float[] depthwise, Random random)
    {
        float[] Values(int count) => Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var builder = new GraphBuilder("separable");
        var x = builder.Input("signal", new TensorShape(Dim.Named("batch"), 1, Dim.Named("samples")));
        builder.Weight("expand.weight", new WeightTensor([Channels, 1, 1], Values(Channels)));
        builder.Weight("expand.bias", new WeightTensor([Channels], Values(Channels)));
        x = builder.Add("expand", new Conv1d { InChannels = 1, OutChannels = Channels, KernelSize = 1, Weight = "expand.weight", Bias = "expand.bias" }, x);
        // Without a nonlinearity every channel would be an affine map of the one signal and H singular: many kernels would fit.
        x = builder.Add("expand.relu", new Relu(), x);
        builder.Weight("depthwise.weight", new WeightTensor([Channels, 1, kernel], depthwise));
        builder.Weight("depthwise.bias", new WeightTensor([Channels], Values(Channels)));
        x = builder.Add("depthwise", new Conv1d
        {
            InChannels = Channels, OutChannels = Channels, KernelSize = kernel, Padding = kernel / 2, Groups = Channels,
            Weight = "depthwise.weight", Bias = "depthwise.bias",
        }, x);
        builder.Weight("pointwise.weight", new WeightTensor([OutChannels, Channels, 1], Values(OutChannels * Channels)));
        builder.Weight("pointwise.bias", new WeightTensor([OutChannels], Values(OutChannels)));
        x = builder.Add("pointwise", new Conv1d { InChannels = Channels, OutChannels = OutChannels, KernelSize = 1, Weight = "pointwise.weight", Bias = "pointwise.bias" }, x);
        var y = builder.Add("frames", new Transpose { Permutation = [0, 2, 1] }, x);
        var probe = builder.Build();
        return new ModelGraph(probe.Name, probe.Inputs, probe.Nodes, [new GraphValue(y, probe.Shapes[y])], probe.Weights);
    }
}
