using Dipper.Compiler.Commands;
using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Operations;
using Dipper.Compiler.Passes.Compression;
using Dipper.Compiler.Training;
using Dipper.Basecaller.Models;
using TorchSharp;
using Xunit.Abstractions;

namespace Dipper.Compiler.Tests.Training;

[Collection(LibTorchCollection.Name)]
public sealed class GradualPruningTests(ITestOutputHelper log) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("dipper-gradual-").FullName;

    [Fact]
    public void The_schedule_rises_along_a_cubic_from_nothing_to_the_asked_sparsity_and_cuts_every_interval_until_its_end()
    {
        var pruning = new GradualPruning { Sparsity = 0.5, EndStep = 100, Interval = 10 };

        Assert.Equal(0, pruning.SparsityAt(0));
        Assert.Equal(0.5 * (1 - Math.Pow(0.5, 3)), pruning.SparsityAt(50), 12);
        Assert.Equal(0.5, pruning.SparsityAt(100));
        Assert.Equal(0.5, pruning.SparsityAt(250));
        // Cubic: most of the cut comes early, while the model is still close to the teacher, and slows towards the end.
        Assert.True(pruning.SparsityAt(10) - pruning.SparsityAt(0) > pruning.SparsityAt(100) - pruning.SparsityAt(90));
        Assert.Equal([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], Enumerable.Range(0, 300).Where(pruning.IsDue));
        Assert.Equal([7, 14, 20], Enumerable.Range(0, 30).Where(new GradualPruning { Sparsity = 0.3, EndStep = 20, Interval = 7 }.IsDue));
        Assert.False(pruning.IsComplete(99));
        Assert.True(pruning.IsComplete(100));
    }

    [Fact]
    public async Task A_dense_model_pruned_while_distilled_ends_with_the_asked_zeros_in_every_layer_and_keeps_no_step_before_them()
    {
        var packageFolder = Path.Combine(_folder, "pruned");
        var request = new FinetuneCommand.Request(TestData.PackageFolder, TestData.PackageFolder, [TestData.Reads], packageFolder, Steps: 16, LearningRate: 1e-4,
            Batch: 2, Threads: 2, CheckpointEvery: 0, ValidateEvery: 4, ChunksPerRead: 2, ValidationEvery: 3, PruneTo: 0.5, PruneUntil: 10);
        var (code, output, _) = await FinetuneRun.RunAsync(request, log);

        Assert.Equal(0, code);
        var finetune = ModelPackage.Load(packageFolder).Manifest.Provenance["finetune"];
        var pruning = finetune.GetProperty("pruning");
        Assert.Equal(0.5, pruning.GetProperty("sparsity").GetDouble());
        Assert.Equal(10, pruning.GetProperty("endStep").GetInt32());
        // Validations at steps 4 and 8 saw a denser student, nearer the teacher; neither may be the one written.
        Assert.Contains("of each layer zero, 50.0 % at step 10; not kept", output);
        Assert.True(finetune.GetProperty("bestStep").GetInt32() >= 10, $"kept step {finetune.GetProperty("bestStep")}");

        // Every layer, and every channel of a depthwise layer, has exactly the zeros magnitude pruning gives at 50 %.
        var graph = (await ModelSource.LoadAsync(packageFolder, CancellationToken.None)).Graph;
        var layers = graph.Nodes.Select(CompressibleLayer.Of).OfType<CompressibleLayer>().ToList();
        Assert.True(layers.Count > 10);
        long zeros = 0;
        foreach (var layer in layers)
        {
            var weight = graph.Weights[layer.Weight];
            for (var g = 0; g < layer.Groups; g++)
            {
                var groupZeros = layer.GroupWeights(weight, g).AsSpan().ToArray().Count(v => v == 0);
                Assert.Equal((int)(layer.GroupOutputs * layer.GroupInputs * 0.5), groupZeros);
                zeros += groupZeros;
            }
        }
        Assert.Equal(zeros, finetune.GetProperty("maskedZeros").GetInt64());
    }

    [Fact]
    public void The_wanda_cut_keeps_a_small_weight_on_a_loud_input_where_magnitude_keeps_the_large_weight_on_a_quiet_one()
    {
        // Input channel 0 is a hundred times louder than channel 1; each output reads channel 0 by 0.5 and channel 1 by 1.
        // Magnitude keeps the 1s; Wanda's |W|·‖x‖ (0.5·100 against 1·1) keeps the 0.5s, which carry nearly all the output.
        var graph = TwoChannelLayers([0.5f, 1f, 0.5f, 1f], inner: null);
        using var input = torch.cat([torch.full(2, 1, 50, 100f), torch.full(2, 1, 50, 1f)], 1);

        var byMagnitude = PrunedOnce(graph, CompressionMethod.Magnitude, input)["mix.weight"];
        var byWanda = PrunedOnce(graph, CompressionMethod.Wanda, input)["mix.weight"];

        Assert.Equal([0f, 1f, 0f, 1f], byMagnitude);
        Assert.Equal([0.5f, 0f, 0.5f, 0f], byWanda);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_factor_pair_is_cut_to_the_budget_of_the_layer_it_stands_for_each_factor_giving_up_the_same_share_of_its_nonzeros(bool batchNorm)
    {
        // A 2 × 2 layer as DSF leaves it: B (inner, 2 of 4 nonzero) then A (outer, 4 of 4), 6 nonzeros for a layer of 4 weights.
        // Trained with --batchnorm, a BatchNorm sits between the two factors: they are still one layer's pair.
        var graph = TwoChannelLayers(outer: [0.1f, 0.4f, 0.3f, 0.2f], inner: [0f, 2f, 0.5f, 0f]);
        using var input = torch.ones(2, 2, 50);
        if (batchNorm)
        {
            graph = TrainingBatchNorm.Insert(graph, chunks => torch.rand(chunks.Length, 2, 50), trainingChunks: 4);
            Assert.Contains(graph.Nodes, n => n.Operation is BatchNorm1d);
        }

        // At 25 % the pair may keep 3 of the layer's 4 weights, half its 6 nonzeros: B keeps its larger 1, A its larger 2.
        var quarter = PrunedOnce(graph, CompressionMethod.Magnitude, input, sparsity: 0.25);
        Assert.Equal([0f, 2f, 0f, 0f], quarter["mix.factor_b.weight"]);
        Assert.Equal([0f, 0.4f, 0.3f, 0f], quarter["mix.weight"]);
        // A plain layer of the same model loses a quarter of its own weights, as before.
        Assert.Equal([0f, 2f, 3f, 4f], quarter["out.weight"]);

        // At 50 % it may keep 2, a third of its nonzeros, to the nearest weight: 1 of B's 2 and 1 of A's 4.
        var half = PrunedOnce(graph, CompressionMethod.Magnitude, input, sparsity: 0.5);
        Assert.Equal([0f, 2f, 0f, 0f], half["mix.factor_b.weight"]);
        Assert.Equal([0f, 0.4f, 0f, 0f], half["mix.weight"]);
    }

    /// <summary>
    /// signal [batch, 2, frames] → "mix" (2 → 2, 1×1; with <paramref name="inner"/>, a factor pair "mix.factor_b" then
    /// "mix") → "out" (2 → 2, 1×1, weights 1 to 4).
    /// </summary>
    private static ModelGraph TwoChannelLayers(float[] outer, float[]? inner)
    {
        var builder = new GraphBuilder("two-channels");
        var x = builder.Input("signal", new TensorShape(Dim.Named("batch"), 2, Dim.Named("frames")));
        if (inner is not null)
        {
            builder.Weight("mix.factor_b.weight", new WeightTensor([2, 2, 1], inner));
            x = builder.Add("mix.factor_b", new Conv1d { InChannels = 2, OutChannels = 2, KernelSize = 1, Weight = "mix.factor_b.weight" }, x);
        }
        builder.Weight("mix.weight", new WeightTensor([2, 2, 1], outer));
        x = builder.Add("mix", new Conv1d { InChannels = 2, OutChannels = 2, KernelSize = 1, Weight = "mix.weight" }, x);
        builder.Weight("out.weight", new WeightTensor([2, 2, 1], [1f, 2f, 3f, 4f]));
        x = builder.Add("out", new Conv1d { InChannels = 2, OutChannels = 2, KernelSize = 1, Weight = "out.weight" }, x);
        var probe = builder.Build();
        return new ModelGraph(probe.Name, probe.Inputs, probe.Nodes, [new GraphValue(x, probe.Shapes[x])], probe.Weights);
    }

    /// <summary>The weights after one cut straight to <paramref name="sparsity"/> by <paramref name="criterion"/>.</summary>
    private static Dictionary<string, float[]> PrunedOnce(ModelGraph graph, CompressionMethod criterion, torch.Tensor input, double sparsity = 0.5)
    {
        using var module = new GraphModule(graph);
        using var mask = new SparsityMask(module);
        new GradualPruning { Sparsity = sparsity, EndStep = 1, Criterion = criterion }.Prune(module, mask, 1, () => input.alias());
        return module.Graph.Nodes.Select(CompressibleLayer.Of).OfType<CompressibleLayer>()
            .ToDictionary(l => l.Weight, l => module.ToGraph().Weights[l.Weight].Values.ToArray());
    }

    [Theory]
    [InlineData("--prune-by", "wanda", "--prune-by needs --prune-to")]
    [InlineData("--prune-to", "1", "--prune-to must be above 0 and below 1")]
    [InlineData("--prune-until", "5", "--prune-until needs --prune-to")]
    public void Pruning_options_out_of_range_are_usage_errors_before_anything_is_read(string option, string value, string message)
    {
        var output = Path.Combine(_folder, "never");
        var result = ToolProcess.Run("finetune", "--model", TestData.PackageFolder, "--teacher", TestData.PackageFolder, "--reads", TestData.Reads,
            "-o", output, "--steps", "10", option, value);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Errors);
        Assert.False(Directory.Exists(output));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
