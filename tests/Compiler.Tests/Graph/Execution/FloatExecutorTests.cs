using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Execution;
using Dipper.Compiler.Graph.Operations;
using Dipper.Compiler.Import;
using Dipper.Compiler.Passes;
using Xunit.Abstractions;

namespace Dipper.Compiler.Tests.Graph.Execution;

public class FloatExecutorTests(ITestOutputHelper log)
{
    private static readonly Lazy<ModelGraph> Imported = new(() =>
        SbonitoMapper.ToGraph(TorchCheckpoint.Read(TestData.Checkpoint), "sbonito.pth"));

    private static FloatTensor Windows() => new([3, 1, TestData.WindowSamples], TestData.ReferenceWindows());

    /// <remarks>
    /// The network amplifies float32 rounding: a one-ulp change of the input moves log-probs by
    /// ~3e-5, and PyTorch, ONNX Runtime and this executor (three summation orders) differ from each
    /// other by 2–5e-4 at worst. So the bound is on the mean (1e-5) and on the maximum (1e-3), and
    /// every frame's most likely class must agree.
    /// </remarks>
    [Fact]
    public void Folded_default_model_matches_onnx_runtime_on_the_committed_package()
    {
        var onnx = File.ReadAllBytes(Path.Combine(TestData.PackageFolder, "model.onnx"));
        var (expected, _) = TestData.RunOnnx(onnx, TestData.ReferenceWindows(), 3, TestData.WindowSamples);

        var actual = new FloatExecutor(FoldBatchNorm.Apply(Imported.Value)).Run(Windows());

        Assert.Equal([3, TestData.WindowFrames, TestData.Classes], actual.Shape);
        var max = TestData.MaxAbsDifference(actual.Values, expected);
        var mean = expected.Zip(actual.Values, (a, b) => Math.Abs((double)a - b)).Average();
        var ortVersusTorch = TestData.MaxAbsDifference(expected, TestData.ReferenceLogProbs());
        log.WriteLine($"|Δ log-prob| managed executor vs ONNX Runtime: max {max:E2}, mean {mean:E2} (ONNX Runtime vs PyTorch: max {ortVersusTorch:E2})");
        Assert.True(mean <= 1e-5, $"mean |Δ log-prob| = {mean}");
        Assert.True(max <= 1e-3, $"max |Δ log-prob| = {max}");
        Assert.Equal(Argmax(expected), Argmax(actual.Values));
    }

    private static int[] Argmax(float[] logProbs) =>
        logProbs.Chunk(TestData.Classes).Select(frame => Array.IndexOf(frame, frame.Max())).ToArray();

    [Fact]
    public void Unfolded_batch_norms_and_lowered_swish_give_the_pytorch_log_probs()
    {
        var graph = LowerSwish.Apply(Imported.Value);

        var actual = new FloatExecutor(graph).Run(Windows());

        var difference = TestData.MaxAbsDifference(actual.Values, TestData.ReferenceLogProbs());
        log.WriteLine($"max |Δ log-prob| managed executor (BatchNorm, σ·x) vs PyTorch: {difference:E2}");
        Assert.True(difference <= 1e-3, $"max |Δ log-prob| = {difference}");
    }

    [Fact]
    public void Observer_sees_the_input_and_every_node_output_once()
    {
        var graph = FoldBatchNorm.Apply(Imported.Value);
        var seen = new List<string>();

        new FloatExecutor(graph).Run(new FloatTensor([1, 1, 300], TestData.ReadFloats("read0.window0.f32")[..300]),
            (name, _) => seen.Add(name));

        Assert.Equal(graph.Nodes.Select(n => n.Output).Prepend("signal"), seen);
    }

    [Fact]
    public void Strided_dilated_padded_convolution_takes_the_taps_pytorch_takes()
    {
        // y[t] = Σ_k w[k]·x[2t + 2k − 1], x zero outside 0..5.
        var b = new GraphBuilder("g");
        var x = b.Input("x", new TensorShape(1, 1, 6));
        b.Weight("w", new WeightTensor([1, 1, 2], [1, 10]));
        b.Weight("b", new WeightTensor([1], [0.5f]));
        var y = b.Add("conv", new Conv1d
        {
            InChannels = 1, OutChannels = 1, KernelSize = 2, Stride = 2, Dilation = 2, Padding = 1, Weight = "w", Bias = "b",
        }, x);
        var graph = b.Build(new GraphValue(y, new TensorShape(1, 1, 3)));

        var output = new FloatExecutor(graph).Run(new FloatTensor([1, 1, 6], [1, 2, 3, 4, 5, 6]));

        // t=0: x[-1]·1 + x[1]·10 = 20; t=1: x[1] + 10·x[3] = 42; t=2: x[3] + 10·x[5] = 64.
        Assert.Equal([20.5f, 42.5f, 64.5f], output.Values);
    }

    [Fact]
    public void Depthwise_convolution_keeps_channels_apart()
    {
        var b = new GraphBuilder("g");
        var x = b.Input("x", new TensorShape(1, 2, 3));
        b.Weight("w", new WeightTensor([2, 1, 3], [1, 1, 1, 0, 2, 0]));
        var y = b.Add("dw", new Conv1d { InChannels = 2, OutChannels = 2, KernelSize = 3, Padding = 1, Groups = 2, Weight = "w" }, x);
        var graph = b.Build(new GraphValue(y, new TensorShape(1, 2, 3)));

        var output = new FloatExecutor(graph).Run(new FloatTensor([1, 2, 3], [1, 2, 3, 10, 20, 30]));

        Assert.Equal([3f, 6, 5, 20, 40, 60], output.Values);
    }

    [Fact]
    public void Input_of_the_wrong_channel_count_is_refused_with_its_name()
    {
        var graph = FoldBatchNorm.Apply(Imported.Value);

        var e = Assert.Throws<GraphException>(() => new FloatExecutor(graph).Run(FloatTensor.Zeros(1, 2, 30)));

        Assert.Contains("input 'signal' is declared [batch, 1, samples], given [1, 2, 30]", e.Message);
    }
}
