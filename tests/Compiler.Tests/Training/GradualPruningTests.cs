using Dipper.Compiler.Commands;
using Dipper.Compiler.Passes.Compression;
using Dipper.Compiler.Training;
using Dipper.Basecaller.Models;
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

    [Theory]
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
