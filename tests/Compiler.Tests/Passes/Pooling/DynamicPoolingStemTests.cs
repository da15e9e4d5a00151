using Dipper.Compiler.Export;
using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Execution;
using Dipper.Compiler.Graph.Operations;
using Dipper.Compiler.Passes;
using Dipper.Compiler.Passes.Pooling;
using Dipper.Compiler.Import;

namespace Dipper.Compiler.Tests.Passes.Pooling;

public sealed class DynamicPoolingStemTests
{
    private static ModelGraph Folded() => FoldBatchNorm.Apply(SbonitoMapper.ToGraph(TorchCheckpoint.Read(TestData.Checkpoint), "sbonito.pth"));

    private static FloatTensor Observe(ModelGraph graph, float[] signal, string value)
    {
        FloatTensor? seen = null;
        new FloatExecutor(graph).Run(new FloatTensor([1, 1, signal.Length], signal), (name, tensor) =>
        {
            if (name == value) seen = tensor;
        });
        return seen ?? throw new InvalidOperationException($"{value} was not computed");
    }

    [Fact]
    public void Stride_one_stem_computes_the_strided_stems_features_at_every_sample()
    {
        var folded = Folded();
        var pooled = DynamicPoolingStem.Apply(folded, 1, out var rewrite);
        var window = TestData.ReadFloats("read0.window0.f32");

        var strided = Observe(folded, window, rewrite.Features);
        var everySample = Observe(pooled, window, rewrite.Features);

        Assert.Equal(3, rewrite.OldStride);
        Assert.Equal([1, 80, 600], strided.Shape);
        Assert.Equal([1, 80, 1800], everySample.Shape);
        for (var c = 0; c < 80; c++)
            for (var t = 0; t < 600; t++)
                Assert.Equal(strided.Values[c * 600 + t], everySample.Values[c * 1800 + 3 * t]);
    }

    [Fact]
    public void Pooled_variant_starts_pooling_by_the_old_stride_with_a_third_of_each_frame()
    {
        var pooled = DynamicPoolingStem.Apply(Folded(), 1, out var rewrite);
        var window = TestData.ReadFloats("read0.window0.f32");

        var output = new FloatExecutor(pooled).Run(new FloatTensor([1, 1, window.Length], window));

        Assert.Equal(1.0 / 3, rewrite.InitialWeight, 12);
        Assert.Equal(1.0 / 3, rewrite.InitialMove, 12);
        Assert.Single(pooled.Nodes, n => n.Operation is DynamicPool);
        Assert.Equal(pooled.ParameterCount, Folded().ParameterCount + 2 * 80 + 2);
        // 1800 samples at moves of about 1/3 (⌊p⌋ + 2 frames) against the 600 frames of the stride-3 model.
        Assert.InRange(output.Dim(1), 590, 612);
        Assert.Equal(5, output.Dim(2));
    }

    [Fact]
    public void Model_without_a_strided_first_layer_or_already_pooling_is_refused()
    {
        var pooled = DynamicPoolingStem.Apply(Folded(), 1, out _);

        var again = Assert.Throws<GraphException>(() => DynamicPoolingStem.Apply(pooled, 1, out _));
        Assert.Contains("already has dynamic pooling", again.Message);

        var split = PooledModelSplit.Split(pooled);
        var tail = Assert.Throws<GraphException>(() => DynamicPoolingStem.Apply(split.After, 1, out _));
        Assert.Contains("not a strided convolution", tail.Message);
        var none = Assert.Throws<GraphException>(() => PooledModelSplit.Split(split.After));
        Assert.Contains("0 dynamic pooling nodes", none.Message);
    }

    [Fact]
    public void Split_parts_meet_at_the_pooling_and_hold_every_weight_once()
    {
        var pooled = DynamicPoolingStem.Apply(Folded(), 1, out var rewrite);

        var split = PooledModelSplit.Split(pooled);

        Assert.Equal([rewrite.Features, DynamicPoolingStem.HeadName], split.Before.Outputs.Select(o => o.Name));
        Assert.Equal(PooledModelSplit.PooledInput, split.After.Inputs.Single().Name);
        Assert.Equal(80, split.Features);
        Assert.Equal(1f, split.Scale);
        var weights = split.Before.Weights.Keys.Concat(split.After.Weights.Keys).Append(DynamicPoolingStem.NormMeanName).Order();
        Assert.Equal(pooled.Weights.Keys.Order(), weights);
    }
}
