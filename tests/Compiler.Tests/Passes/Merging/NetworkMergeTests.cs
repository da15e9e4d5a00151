using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Execution;
using Dipper.Compiler.Graph.Operations;
using Dipper.Compiler.Import;
using Dipper.Compiler.Numerics;
using Dipper.Compiler.Passes;
using Dipper.Compiler.Passes.Merging;

namespace Dipper.Compiler.Tests.Passes.Merging;

public sealed class NetworkMergeTests
{
    private const int Hidden = 4;
    private const int Samples = 64;

    [Fact]
    public void Merging_the_default_model_with_itself_gives_the_model_back()
    {
        var model = FoldBatchNorm.Apply(SbonitoMapper.ToGraph(TorchCheckpoint.Read(TestData.Checkpoint), "sbonito.pth"));
        var windows = TestData.ReferenceWindows().Chunk(TestData.WindowSamples).ToArray();

        var merged = NetworkMerge.Apply(model, model, windows, new MergeOptions { Threads = 2 }, CancellationToken.None);

        Assert.Equal(28, merged.Choices.Count);
        Assert.All(merged.Choices, c => Assert.Equal(c.Width / 2, c.Kept.Length));
        Assert.All(merged.Choices, c => Assert.InRange(c.Explained, 0.999, 1));
        var input = new FloatTensor([3, 1, TestData.WindowSamples], TestData.ReferenceWindows());
        var expected = new FloatExecutor(model).Run(input).Values;
        var actual = new FloatExecutor(merged.Graph).Run(input).Values;
        Assert.InRange(TestData.MaxAbsDifference(expected, actual), 0, 1e-3);
        Assert.Equal(model.ParameterCount, merged.Graph.ParameterCount);
    }

    [Fact]
    public void A_copy_with_its_channels_reordered_keeps_one_channel_of_each_twin_pair_and_computes_the_model()
    {
        var a = SmallModel(seed: 1);
        // B computes exactly what A computes, its hidden channels in another order: every channel has a twin in A.
        int[] order = [2, 0, 3, 1];
        var b = Permuted(a, order);

        var merged = NetworkMerge.Apply(a, b, Chunks(8), new MergeOptions(), CancellationToken.None);

        Assert.Equal(2, merged.Choices.Count);
        foreach (var choice in merged.Choices)
        {
            // Channel c of A and channel Hidden + j of B with order[j] == c carry the same signal: one of them is kept.
            var signals = choice.Kept.Select(k => k < Hidden ? k : order[k - Hidden]).ToArray();
            Assert.Equal([0, 1, 2, 3], signals.Order());
        }
        var input = new FloatTensor([8, 1, Samples], Chunks(8).SelectMany(c => c).ToArray());
        Assert.InRange(TestData.MaxAbsDifference(new FloatExecutor(a).Run(input).Values, new FloatExecutor(merged.Graph).Run(input).Values), 0, 1e-4);
    }

    [Fact]
    public void Channels_that_carry_nothing_are_not_kept_and_the_refit_reproduces_the_ensemble()
    {
        var a = SmallModel(seed: 2);
        var b = Silenced(SmallModel(seed: 3), channels: [0, 2]);
        var chunks = Chunks(16);

        var merged = NetworkMerge.Apply(a, b, chunks, new MergeOptions(), CancellationToken.None);

        // B's first hidden set has two channels that are always zero: whatever else is kept, they are not.
        var stem = merged.Choices[0];
        Assert.DoesNotContain(Hidden + 0, stem.Kept);
        Assert.DoesNotContain(Hidden + 2, stem.Kept);
        Assert.All(merged.Refits, r => Assert.True(r.RefitError <= r.SlicedError + 1e-12, $"{r.Layer}: {r.RefitError} after, {r.SlicedError} before"));
        // The two layers after the stem read what is left of the doubled sets: the least-squares refit makes the residual
        // of the class-score layer orthogonal to its inputs (the normal equations, up to the ridge).
        var doubled = ModelConcatenation.Apply(a, b);
        var input = new FloatTensor([chunks.Length, 1, Samples], chunks.SelectMany(c => c).ToArray());
        var features = Observed(merged.Graph, input, "permute");
        var target = Observed(doubled, input, "out");
        var scores = Observed(merged.Graph, input, "out");
        var rows = features.Values.Length / Hidden;
        for (var j = 0; j < Hidden; j++)
        {
            for (var o = 0; o < 3; o++)
            {
                double dot = 0, scale = 0;
                for (var r = 0; r < rows; r++)
                {
                    var x = (double)features.Values[r * Hidden + j];
                    dot += x * (target.Values[r * 3 + o] - scores.Values[r * 3 + o]);
                    scale += Math.Abs(x * target.Values[r * 3 + o]);
                }
                Assert.InRange(Math.Abs(dot) / scale, 0, 1e-3);
            }
        }
    }

    [Fact]
    public void Pivoted_cholesky_keeps_the_strongest_column_and_skips_a_copy_of_a_kept_one()
    {
        // Columns: x (energy 4), 2·x's copy scaled down (energy 1, fully explained by x), y (energy 2) independent of x.
        var x = new Matrix<double>(3, 3, [4, 2, 0, 2, 1, 0, 0, 0, 2]);

        var kept = PivotedCholesky.Select(x, 2, out var unexplained);

        Assert.Equal([0, 2], kept);
        Assert.InRange(unexplained, 0, 1e-12);
    }

    [Fact]
    public void Models_of_different_architectures_are_refused_naming_the_difference()
    {
        var a = SmallModel(seed: 1);
        var wider = SmallModel(seed: 1, hidden: 6);

        var e = Assert.Throws<GraphException>(() => ModelConcatenation.Apply(a, wider));

        Assert.Contains("stem", e.Message);
    }

    private static FloatTensor Observed(ModelGraph graph, FloatTensor input, string value)
    {
        FloatTensor? seen = null;
        new FloatExecutor(graph).Run(input, (name, tensor) =>
        {
            if (name == value) seen = tensor;
        });
        return seen!;
    }

    private static float[][] Chunks(int count)
    {
        var normals = SplitMix64.Normals(7, count * Samples);
        return Enumerable.Range(0, count).Select(c => normals.Skip(c * Samples).Take(Samples).Select(v => (float)v).ToArray()).ToArray();
    }

    /// <summary>Signal → conv k3 (hidden) → swish → conv 1×1 (hidden) → swish → linear to 3 classes → log-softmax.</summary>
    private static ModelGraph SmallModel(int seed, int hidden = Hidden)
    {
        var builder = new GraphBuilder($"small{seed}");
        var random = SplitMix64.Normals(seed, 1000);
        var next = 0;
        WeightTensor Random(params int[] shape)
        {
            var count = shape.Aggregate(1, (p, d) => p * d);
            return new WeightTensor(shape, random.Skip(next += count).Take(count).Select(v => (float)(0.7 * v)).ToArray());
        }
        builder.Weight("stem.w", Random(hidden, 1, 3));
        builder.Weight("stem.b", Random(hidden));
        builder.Weight("mix.w", Random(hidden, hidden, 1));
        builder.Weight("mix.b", Random(hidden));
        builder.Weight("out.w", Random(3, hidden));
        builder.Weight("out.b", Random(3));
        var x = builder.Input("signal", new TensorShape(Dim.Named("batch"), 1, Dim.Named("samples")));
        x = builder.Add("stem", new Conv1d { InChannels = 1, OutChannels = hidden, KernelSize = 3, Padding = 1, Weight = "stem.w", Bias = "stem.b" }, x);
        x = builder.Add("stem.act", new Swish(), x);
        x = builder.Add("mix", new Conv1d { InChannels = hidden, OutChannels = hidden, KernelSize = 1, Weight = "mix.w", Bias = "mix.b" }, x);
        x = builder.Add("mix.act", new Swish(), x);
        x = builder.Add("permute", new Transpose { Permutation = [0, 2, 1] }, x);
        x = builder.Add("out", new Linear { InFeatures = hidden, OutFeatures = 3, Weight = "out.w", Bias = "out.b" }, x);
        builder.Add("logprobs", new LogSoftmax { Axis = -1 }, x);
        return builder.Build(new GraphValue("logprobs", new TensorShape(Dim.Named("batch"), Dim.Named("frames"), 3)));
    }

    /// <summary>The same function with both hidden sets reordered: new channel j is old channel order[j].</summary>
    private static ModelGraph Permuted(ModelGraph graph, int[] order)
    {
        var w = graph.Weights;
        float[] Rows(string name) => order.SelectMany(o => Row(w[name], o)).ToArray();
        var mix = order.SelectMany(o => order.Select(i => w["mix.w"].Values[o * Hidden + i])).ToArray();
        var output = Enumerable.Range(0, 3).SelectMany(c => order.Select(i => w["out.w"].Values[c * Hidden + i])).ToArray();
        return WithWeights(graph, new()
        {
            ["stem.w"] = Rows("stem.w"), ["stem.b"] = Rows("stem.b"), ["mix.w"] = mix, ["mix.b"] = Rows("mix.b"), ["out.w"] = output,
        });
    }

    /// <summary>The stem's <paramref name="channels"/> always output zero (zero kernel and bias, and swish(0) = 0).</summary>
    private static ModelGraph Silenced(ModelGraph graph, int[] channels)
    {
        var stem = graph.Weights["stem.w"].Values.ToArray();
        var bias = graph.Weights["stem.b"].Values.ToArray();
        foreach (var c in channels)
        {
            stem.AsSpan(c * 3, 3).Clear();
            bias[c] = 0;
        }
        return WithWeights(graph, new() { ["stem.w"] = stem, ["stem.b"] = bias });
    }

    private static float[] Row(WeightTensor weight, int row)
    {
        var size = weight.Count / weight.Shape[0];
        return weight.Values.Slice(row * size, size).ToArray();
    }

    private static ModelGraph WithWeights(ModelGraph graph, Dictionary<string, float[]> replaced) =>
        new(graph.Name, graph.Inputs, graph.Nodes, graph.Outputs, graph.Weights.Select(p => KeyValuePair.Create(p.Key,
            replaced.TryGetValue(p.Key, out var values) ? new WeightTensor(p.Value.Shape, values) : p.Value)));
}
