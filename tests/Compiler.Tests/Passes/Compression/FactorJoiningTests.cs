using Dipper.Compiler.Compilation;
using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Operations;
using Dipper.Compiler.Passes.Compression;

namespace Dipper.Compiler.Tests.Passes.Compression;

public class FactorJoiningTests
{
    [Fact]
    public void Each_factor_pair_becomes_the_one_layer_it_stands_for_and_the_model_computes_the_same()
    {
        var dsf = CompressedSbonito.Get(CompressionMethod.Dsf, 0.5);
        var pairs = dsf.Layers.Count(l => l.InnerChannels is not null);
        Assert.True(pairs > 0);

        var joined = FactorJoining.Apply(dsf.Graph, out var count);

        Assert.Equal(pairs, count);
        Assert.Equal(CompressedSbonito.Folded.Nodes.Select(n => n.Name), joined.Nodes.Select(n => n.Name));
        Assert.DoesNotContain(joined.Weights.Keys, w => w.Contains(FactorizedNodes.InnerSuffix) || w.Contains(FactorizedNodes.OuterSuffix));
        foreach (var node in CompressedSbonito.Folded.Nodes)
        {
            if (CompressibleLayer.Of(node) is not { } layer) continue;
            var again = joined.Nodes.Single(n => n.Name == node.Name);
            Assert.Equal(node.Inputs, again.Inputs);
            Assert.Equal(CompressedSbonito.Folded.Weights[layer.Weight].Shape, joined.Weights[CompressibleLayer.Of(again)!.Weight].Shape);
        }

        // One joined weight against A·B by hand.
        var record = dsf.Layers.First(l => l.InnerChannels is not null);
        var inner = (Conv1d)dsf.Graph.Nodes.Single(n => n.Name == record.Layer + FactorizedNodes.InnerSuffix).Operation;
        var outer = (Conv1d)dsf.Graph.Nodes.Single(n => n.Name == record.Layer).Operation;
        var (a, b) = (dsf.Graph.Weights[outer.Weight], dsf.Graph.Weights[inner.Weight]);
        var w = joined.Weights[((Conv1d)joined.Nodes.Single(n => n.Name == record.Layer).Operation).Weight];
        var columns = b.Count / inner.OutChannels;
        for (var o = 0; o < outer.OutChannels; o += 7)
            for (var c = 0; c < columns; c += 5)
            {
                double sum = 0;
                for (var j = 0; j < inner.OutChannels; j++) sum += a.Values[o * inner.OutChannels + j] * b.Values[j * columns + c];
                Assert.Equal(sum, w.Values[o * columns + c], 1e-5);
            }

        var factorised = ModelCompressionTests.Run(dsf.Graph);
        var single = ModelCompressionTests.Run(joined);
        var scale = factorised.Max(Math.Abs);
        Assert.All(factorised.Zip(single), p => Assert.True(Math.Abs(p.First - p.Second) <= 1e-4 * scale, $"{p.First} against {p.Second}"));
    }

    [Fact]
    public void A_bias_on_the_inner_factor_passes_through_the_outer_one_into_the_joined_bias()
    {
        // A student fine-tuned with --batchnorm has its BatchNorms folded into both factors, so B carries a bias too.
        var dsf = CompressedSbonito.Get(CompressionMethod.Dsf, 0.5).Graph;
        var weights = new OrderedDictionary<string, WeightTensor>(dsf.Weights);
        var random = new Random(7);
        var nodes = dsf.Nodes.Select(n =>
        {
            if (!n.Name.EndsWith(FactorizedNodes.InnerSuffix, StringComparison.Ordinal)) return n;
            var conv = (Conv1d)n.Operation;
            weights[n.Name + ".bias"] = new WeightTensor([conv.OutChannels],
                Enumerable.Range(0, conv.OutChannels).Select(_ => (float)(0.02 * (random.NextDouble() - 0.5))).ToArray());
            return n with { Operation = conv with { Bias = n.Name + ".bias" } };
        }).ToArray();
        var biased = new ModelGraph(dsf.Name, dsf.Inputs, nodes, dsf.Outputs, weights);

        var joined = FactorJoining.Apply(biased, out var count);

        Assert.Equal(nodes.Count(n => n.Name.EndsWith(FactorizedNodes.InnerSuffix, StringComparison.Ordinal)), count);
        Assert.DoesNotContain(joined.Weights.Keys, w => w.Contains(FactorizedNodes.InnerSuffix));
        var factorised = ModelCompressionTests.Run(biased);
        var single = ModelCompressionTests.Run(joined);
        var scale = factorised.Max(Math.Abs);
        Assert.All(factorised.Zip(single), p => Assert.True(Math.Abs(p.First - p.Second) <= 1e-4 * scale, $"{p.First} against {p.Second}"));
    }

    [Fact]
    public void A_model_without_factor_pairs_is_left_as_it_is()
    {
        var admm = CompressedSbonito.Get(CompressionMethod.Admm, 0.5);
        Assert.Same(admm.Graph, FactorJoining.Apply(admm.Graph, out var count));
        Assert.Equal(0, count);
    }

    [Fact]
    public void Compressing_a_factorised_model_again_cuts_the_layers_it_was_built_from()
    {
        var dsf = CompressedSbonito.Get(CompressionMethod.Dsf, 0.5);
        var output = new StringWriter();

        var again = CompressStage.Run(dsf.Graph, CompressedSbonito.Calibration,
            new ModelCompressionOptions { Method = CompressionMethod.Admm, Sparsity = 0.6, Threads = 2 }, CompressedSbonito.Chunks, output,
            CancellationToken.None);

        Assert.Contains($"{dsf.Layers.Count(l => l.InnerChannels is not null)} factorised layers joined back", output.ToString());
        Assert.Equal(CompressedSbonito.Folded.Nodes.Where(n => CompressibleLayer.Of(n) is not null).Select(n => n.Name), again.Layers.Select(l => l.Layer));
        Assert.Equal(CompressedSbonito.Folded.Nodes.Count, again.Graph.Nodes.Count);
        Assert.InRange(again.Sparsity, 0.55, 0.61);
    }
}
