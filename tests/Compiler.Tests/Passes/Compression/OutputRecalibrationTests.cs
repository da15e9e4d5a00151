using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Execution;
using Dipper.Compiler.Graph.Operations;
using Dipper.Compiler.Passes.Compression;
using Xunit.Abstractions;

namespace Dipper.Compiler.Tests.Passes.Compression;

public class OutputRecalibrationTests(ITestOutputHelper log)
{
    [Fact]
    public void Recalibrated_layers_give_each_channel_the_dense_models_mean_and_spread_on_the_calibration_chunks()
    {
        var model = CompressedSbonito.Get(CompressionMethod.Admm, 0.5);
        // The stem, a depthwise and a pointwise layer deep in the encoder, the 80→40 convolution and the output layer.
        string[] layers = ["e.encoder.0.conv.0.conv", "e.encoder.4.conv.0.depthwise", "e.encoder.5.conv.16.pointwise", "e.encoder.7.conv.0.conv", "out"];
        var compressed = Outputs(model.Graph, layers);
        var dense = Outputs(CompressedSbonito.Folded, layers);

        int channels = 0, spreadMatched = 0;
        foreach (var name in layers)
        {
            var record = model.Layers.Single(l => l.Layer == name);
            Assert.True(record.Recalibrated);
            Assert.NotNull(record.DenseError);
            var axis = OutputRecalibration.ChannelAxis(model.Graph.Nodes.Single(n => n.Name == name));
            var (meanC, stdC) = OutputRecalibration.Statistics(compressed[name], axis);
            var (meanD, stdD) = OutputRecalibration.Statistics(dense[name], axis);
            for (var c = 0; c < meanC.Length; c++)
            {
                Assert.True(Math.Abs(meanC[c] - meanD[c]) <= 1e-4 + 1e-3 * (stdD[c] + Math.Abs(meanD[c])),
                    $"{name} channel {c}: mean {meanC[c]} vs dense {meanD[c]}");
                channels++;
                if (Math.Abs(stdC[c] - stdD[c]) <= 1e-3 * stdD[c] + 1e-6) spreadMatched++;
            }
            log.WriteLine($"{name}: error against dense {record.DenseErrorBeforeRecalibration:0.###e+0} → {record.DenseError:0.###e+0}");
        }
        // Only channels whose spread changed by more than a factor of two keep a clamped scale.
        log.WriteLine($"{spreadMatched} of {channels} channels have the dense spread");
        Assert.True(spreadMatched >= 0.95 * channels, $"{spreadMatched} of {channels} channels have the dense spread");
    }

    [Fact]
    public void Recalibration_rescales_weight_rows_and_keeps_every_zero()
    {
        var recalibrated = CompressedSbonito.Get(CompressionMethod.Admm, 0.5);
        var plain = CompressedSbonito.Get(CompressionMethod.Admm, 0.5, recalibrate: false);
        // The stem sees the same chunks in both runs, so it is pruned identically; recalibration only scales its rows.
        var stem = (Conv1d)recalibrated.Graph.Nodes[0].Operation;
        var w = recalibrated.Graph.Weights[stem.Weight].Values.ToArray();
        var v = plain.Graph.Weights[((Conv1d)plain.Graph.Nodes[0].Operation).Weight].Values.ToArray();
        var row = w.Length / stem.OutChannels;
        for (var c = 0; c < stem.OutChannels; c++)
        {
            var scale = 0.0;
            for (var i = c * row; i < (c + 1) * row; i++)
            {
                Assert.Equal(v[i] == 0, w[i] == 0);
                if (v[i] != 0 && scale == 0) scale = w[i] / v[i];
                if (v[i] != 0) Assert.Equal(scale, w[i] / v[i], 1e-5);
            }
            if (scale != 0) Assert.InRange(scale, OutputRecalibration.MinScale - 1e-6, OutputRecalibration.MaxScale + 1e-6); // 0: a row pruned away
        }
        // Every layer, factorised ones included, stores exactly the nonzeros its record counted before recalibration.
        var dsf = CompressedSbonito.Get(CompressionMethod.Dsf, 0.5);
        foreach (var model in new[] { recalibrated, dsf })
            foreach (var record in model.Layers)
            {
                var nodes = model.Graph.Nodes.Where(n => n.Name == record.Layer || n.Name == record.Layer + FactorizedNodes.InnerSuffix);
                Assert.Equal(record.Nonzeros, nodes.Sum(n => ModelCompressionTests.Nonzeros(model.Graph.Weights[CompressibleLayer.Of(n)!.Weight].Values)));
            }
        Assert.Equal(recalibrated.Sparsity, plain.Sparsity, 2);
    }

    [Theory]
    [InlineData(CompressionMethod.Admm)]
    [InlineData(CompressionMethod.Dsf)]
    public void Recalibrated_model_agrees_with_the_dense_model_on_more_frames(CompressionMethod method)
    {
        var denseOut = ModelCompressionTests.Run(CompressedSbonito.Folded);
        // Recalibration alone: fitted to the dense output first, DSF's layers leave it little to correct.
        var with = ModelCompressionTests.FrameAgreement(denseOut, ModelCompressionTests.Run(CompressedSbonito.Get(method, 0.5, fitDenseOutput: false).Graph));
        var without = ModelCompressionTests.FrameAgreement(denseOut, ModelCompressionTests.Run(CompressedSbonito.Get(method, 0.5, recalibrate: false, fitDenseOutput: false).Graph));

        log.WriteLine($"{method} 50 %: frames agreeing with the dense model {with:P1} recalibrated, {without:P1} without");
        Assert.True(with > without, $"{with:P1} recalibrated vs {without:P1} without");
    }

    [Fact]
    public void Without_recalibration_the_graph_keeps_its_weights_names_and_runs_no_dense_model()
    {
        var model = CompressedSbonito.Get(CompressionMethod.Admm, 0.5, recalibrate: false, fitDenseOutput: false);

        Assert.All(model.Layers, l => Assert.False(l.Recalibrated));
        Assert.All(model.Layers, l => Assert.Null(l.DenseError));
        Assert.Equal(CompressedSbonito.Folded.Weights.Keys, model.Graph.Weights.Keys);
        Assert.Equal(CompressedSbonito.Folded.ParameterCount, model.Parameters);
        Assert.Equal(CompressedSbonito.Folded.Nodes.Select(n => n.Operation.GetType()), model.Graph.Nodes.Select(n => n.Operation.GetType()));
    }

    /// <summary>The named nodes' outputs on the calibration chunks, as the float executor computes them for <paramref name="graph"/>.</summary>
    private static Dictionary<string, List<FloatTensor>> Outputs(ModelGraph graph, IReadOnlyCollection<string> nodes)
    {
        var values = graph.Nodes.Where(n => nodes.Contains(n.Name)).ToDictionary(n => n.Output, n => n.Name);
        var outputs = nodes.ToDictionary(n => n, _ => new List<FloatTensor>());
        var executor = new FloatExecutor(graph);
        foreach (var chunk in CompressedSbonito.Calibration)
            executor.Run(new FloatTensor([1, 1, chunk.Length], chunk), (name, value) =>
            {
                if (values.TryGetValue(name, out var node)) outputs[node].Add(new FloatTensor((int[])value.Shape.Clone(), (float[])value.Values.Clone()));
            });
        return outputs;
    }
}
