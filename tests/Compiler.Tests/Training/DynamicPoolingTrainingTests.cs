using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Execution;
using Dipper.Compiler.Graph.Operations;
using Dipper.Compiler.Numerics;
using Dipper.Compiler.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Dipper.Compiler.Tests.Training;

[Collection(LibTorchCollection.Name)]
public sealed class DynamicPoolingTrainingTests
{
    private const int Batch = 2, Channels = 3, Frames = 12;
    private static readonly DynamicPool Op = new() { NormMean = "r" };

    public DynamicPoolingTrainingTests() => TorchRuntime.Start(threads: 1);

    [Fact]
    public void Gradients_for_features_weight_logits_and_move_logits_match_finite_differences()
    {
        using var scope = NewDisposeScope();
        var features = Random(1, Batch, Channels, Frames).requires_grad_();
        var logits = Random(2, Batch, 2, Frames).requires_grad_();
        var scale = tensor(new[] { 0.7 }, dtype: ScalarType.Float64);
        var projection = Random(3, Batch, Channels, 64);
        // A fixed random projection of the pooled frames: the loss sees every output frame, each differently.
        double Loss(Tensor f, Tensor g)
        {
            using var inner = NewDisposeScope();
            var pooled = DynamicPoolingTraining.Forward(f, g, scale, training: false, Op, out _);
            return (pooled * projection.narrow(2, 0, pooled.shape[2])).sum().item<double>();
        }
        var output = DynamicPoolingTraining.Forward(features, logits, scale, training: false, Op, out _);
        (output * projection.narrow(2, 0, output.shape[2])).sum().backward();

        foreach (var (input, name) in new[] { (features, "features"), (logits, "logits") })
        {
            var analytic = input.grad!.data<double>().ToArray();
            var values = input.detach().clone();
            var flat = values.data<double>().ToArray();
            for (var i = 0; i < flat.Length; i++)
            {
                const double step = 1e-6;
                double Shifted(double by)
                {
                    var copy = (double[])flat.Clone();
                    copy[i] += by;
                    var shifted = tensor(copy, input.shape, dtype: ScalarType.Float64);
                    return name == "features" ? Loss(shifted, logits.detach()) : Loss(features.detach(), shifted);
                }
                var numeric = (Shifted(step) - Shifted(-step)) / (2 * step);
                Assert.True(Math.Abs(numeric - analytic[i]) <= 1e-5 * Math.Max(1, Math.Abs(numeric)),
                    $"{name}[{i}]: autograd {analytic[i]}, finite difference {numeric}");
            }
        }
        // The move logits (channel 1 of each read's logits) get a gradient of their own: the positions are not detached.
        var moveGradient = logits.grad!.select(1, 1).abs().sum().item<double>();
        Assert.True(moveGradient > 1e-3, $"the move logits' gradient is {moveGradient}");
    }

    [Theory]
    [InlineData(3f)]
    [InlineData(-3f)]
    public void Training_holds_the_mean_move_at_its_target_whatever_the_move_logits(float moveBias)
    {
        using var scope = NewDisposeScope();
        var logits = Random(4, 1, 2, 31).to_type(ScalarType.Float32);
        logits.select(1, 1).add_(moveBias);
        var features = Random(5, 1, Channels, 31).to_type(ScalarType.Float32);
        var normMean = tensor(new[] { 1f });

        var training = DynamicPoolingTraining.Forward(features, logits, normMean, training: true, Op, out _);
        var evaluation = DynamicPoolingTraining.Forward(features, logits, tensor(new[] { 1f }), training: false, Op, out _);

        // 31 frames at a mean move of 1/3 end at 10.33: floor + 2 = 12 frames, against 31·σ(±3 + noise) untrained.
        Assert.Equal(12, training.shape[2]);
        Assert.NotEqual(12, evaluation.shape[2]);
        // r moves 1 % of the way to the batch's scale, which is below 1 for fast moves and above 1 for slow ones.
        var r = normMean.item<float>();
        Assert.True(moveBias > 0 ? r is < 1f and > 0.99f : r is > 1f and < 1.1f, $"r = {r}");
    }

    [Fact]
    public void The_training_module_pools_as_the_cpu_op_computes()
    {
        var builder = new GraphBuilder("pooled");
        builder.Weight("r", new WeightTensor([1], [0.8f]));
        var x = builder.Input("features", new TensorShape(Dim.Named("batch"), Channels, Dim.Named("frames")));
        var g = builder.Input("logits", new TensorShape(Dim.Named("batch"), 2, Dim.Named("frames")));
        builder.Add("pool", Op, x, g);
        var graph = builder.Build(new GraphValue("pool", new TensorShape(Dim.Named("batch"), Channels, Dim.Unknown)));
        var features = SplitMix64.Normals(6, Batch * Channels * 200).Select(v => (float)v).ToArray();
        var logits = SplitMix64.Normals(7, Batch * 2 * 200).Select(v => (float)v).ToArray();
        using var scope = NewDisposeScope();

        var torchOutput = DynamicPoolingTraining.Forward(tensor(features, [Batch, Channels, 200]), tensor(logits, [Batch, 2, 200]), tensor(new[] { 0.8f }),
            training: false, Op, out var lengths);
        var cpu = new FloatExecutor(graph).Run(new Dictionary<string, FloatTensor>
        {
            ["features"] = new([Batch, Channels, 200], features),
            ["logits"] = new([Batch, 2, 200], logits),
        })["pool"];

        Assert.Equal(cpu.Shape.Select(d => (long)d), torchOutput.shape);
        Assert.InRange(TestData.MaxAbsDifference(cpu.Values, torchOutput.data<float>().ToArray()), 0, 1e-4);
        // Each read's own length (what CTC counts as its frames), from its last position as the CPU op sums it; the batch is the longest.
        var own = Enumerable.Range(0, Batch).Select(b =>
        {
            var p = 0f;
            for (var t = 0; t < 200; t++) p += 0.8f / (1 + MathF.Exp(-logits[(b * 2 + 1) * 200 + t]));
            return (long)DynamicPool.OutputLength(p);
        }).ToArray();
        Assert.Equal(own, lengths);
        Assert.True(own.Distinct().Count() > 1, $"the reads should pool to different lengths: {string.Join(", ", own)}");
        Assert.Equal(own.Max(), torchOutput.shape[2]);
    }

    private static Tensor Random(long seed, params long[] shape)
    {
        var count = (int)shape.Aggregate(1L, (p, d) => p * d);
        return tensor(SplitMix64.Normals(seed, count), shape, dtype: ScalarType.Float64);
    }
}
