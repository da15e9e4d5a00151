using Dipper.Compiler.Commands;
using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Operations;
using Dipper.Compiler.Passes;
using Dipper.Compiler.Passes.Compression;
using Dipper.Compiler.Training;
using TorchSharp;

namespace Dipper.Compiler.Tests.Training;

[Collection(LibTorchCollection.Name)]
public sealed class TrainingBatchNormTests : IClassFixture<CompressedStudents>
{
    private readonly CompressedStudents _students;

    public TrainingBatchNormTests(CompressedStudents students)
    {
        _students = students;
        TorchRuntime.Start(threads: 2);
    }

    [Fact]
    public async Task Inserted_batchnorm_follows_every_convolution_but_the_output_layer_and_leaves_the_dsf_student_unchanged()
    {
        var student = (await ModelSource.LoadAsync(_students.Package(CompressionMethod.Dsf), CancellationToken.None)).Graph;
        var convolutions = student.Nodes.Where(n => n.Operation is Conv1d).ToList();

        var normalised = TrainingBatchNorm.Insert(student, Input, TrainingChunks.Count);

        // One BatchNorm after each convolution but the last, reading exactly that convolution's output.
        var norms = normalised.Nodes.Where(n => n.Operation is BatchNorm1d).ToList();
        Assert.Equal(convolutions.Count - 1, norms.Count);
        foreach (var conv in convolutions.SkipLast(1))
        {
            var norm = Assert.Single(norms, n => n.Name == conv.Name + TrainingBatchNorm.NodeSuffix);
            var convNow = Assert.Single(normalised.Nodes, n => n.Name == conv.Name);
            Assert.Equal([convNow.Output], norm.Inputs);
            Assert.Equal(conv.Output, norm.Output);
        }
        Assert.DoesNotContain(norms, n => n.Name == convolutions[^1].Name + TrainingBatchNorm.NodeSuffix);

        // In evaluation mode the model computes what it did; folded back, it is the student's structure again.
        var before = Outputs(student, train: false);
        AssertClose(before, Outputs(normalised, train: false), 1e-3);
        var folded = FoldBatchNorm.Apply(normalised);
        Assert.Equal(student.Nodes.Select(n => (n.Name, n.Operation.Kind, n.Output)), folded.Nodes.Select(n => (n.Name, n.Operation.Kind, n.Output)));
        AssertClose(before, Outputs(folded, train: false), 1e-3);

        // In training mode each layer is normalised by the batch it sees: on the very chunks the layers were set up
        // from, the batch's statistics are the measured ones, so that too computes what the student did.
        AssertClose(before, Outputs(normalised, train: true), 1e-3);
    }

    [Fact]
    public async Task Folding_the_trained_batchnorm_away_keeps_every_zero_of_the_pruned_student()
    {
        var student = (await ModelSource.LoadAsync(_students.Package(CompressionMethod.Magnitude), CancellationToken.None)).Graph;
        var normalised = TrainingBatchNorm.Insert(student, Input, TrainingChunks.Count);
        using (var module = new GraphModule(normalised))
        {
            // Move every BatchNorm away from its starting point, as training would.
            using var noGrad = torch.no_grad();
            foreach (var (name, weight) in module.TrainedWeights.Where(w => w.Key.Contains(TrainingBatchNorm.NodeSuffix)))
                weight.mul_(1.5).add_(0.25);
            normalised = module.ToGraph();
        }

        var folded = FoldBatchNorm.Apply(normalised);

        long zeros = 0, scaled = 0;
        foreach (var (name, weight) in student.Weights)
        {
            var after = folded.Weights[name].Values.ToArray();
            var old = weight.Values.ToArray();
            for (var i = 0; i < old.Length; i++)
            {
                if (old[i] == 0) { zeros++; Assert.True(after[i] == 0, $"{name}[{i}] was pruned and is now {after[i]}"); }
                else if (after[i] != old[i]) scaled++;
            }
        }
        Assert.True(zeros > 50_000, $"{zeros} zeros");
        Assert.True(scaled > 50_000, $"{scaled} weights changed by the fold");
    }

    [Fact]
    public async Task A_normalising_start_gives_each_layer_zero_mean_and_unit_variance_over_the_batch()
    {
        var student = FreshWeights.Draw(FoldBatchNorm.Apply((await ModelSource.LoadAsync(_students.Package(CompressionMethod.Dsf), CancellationToken.None)).Graph), seed: 5);
        var kept = TrainingBatchNorm.Insert(student, Input, TrainingChunks.Count);
        var normalising = TrainingBatchNorm.Insert(student, Input, TrainingChunks.Count, normalising: true);
        var norms = normalising.Nodes.Where(n => n.Operation is BatchNorm1d).ToList();
        Assert.NotEmpty(norms);

        foreach (var norm in norms.Select(n => (BatchNorm1d)n.Operation))
        {
            Assert.All(normalising.Weights[norm.Scale].Values.ToArray(), v => Assert.Equal(1f, v));
            Assert.All(normalising.Weights[norm.Shift].Values.ToArray(), v => Assert.Equal(0f, v));
            // The running statistics are the measured ones either way, as the layer that changes nothing has them.
            Assert.Equal(kept.Weights[norm.RunningMean].Values.ToArray(), normalising.Weights[norm.RunningMean].Values.ToArray());
            Assert.Equal(kept.Weights[norm.RunningVariance].Values.ToArray(), normalising.Weights[norm.RunningVariance].Values.ToArray());
        }

        // In training mode every normalised layer's output has, per channel, mean 0 and variance 1 over the batch;
        // the layers that change nothing keep the fresh student's own scale, which is not that.
        var names = norms.Select(n => n.Output).ToHashSet();
        var (normalisedMean, normalisedVariance) = Moments(normalising, names);
        var (_, keptVariance) = Moments(kept, names);
        Assert.True(normalisedMean < 1e-3, $"largest |channel mean| {normalisedMean}");
        Assert.True(normalisedVariance < 0.01, $"largest |channel variance − 1| {normalisedVariance}");
        Assert.True(keptVariance > 0.1, $"the unchanged start is normalised too: largest |channel variance − 1| {keptVariance}");
    }

    /// <summary>Largest |mean| and largest |variance − 1| of any channel of <paramref name="names"/>, in training mode, over all training chunks.</summary>
    private static (double Mean, double Variance) Moments(ModelGraph graph, IReadOnlySet<string> names)
    {
        using var module = new GraphModule(graph);
        module.train();
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        double mean = 0, variance = 0;
        foreach (var (_, value) in module.Values(Input(Enumerable.Range(0, TrainingChunks.Count).ToArray()), names))
        {
            using var wide = value.to_type(torch.ScalarType.Float64);
            mean = Math.Max(mean, wide.mean([0, 2]).abs().max().item<double>());
            variance = Math.Max(variance, (wide.var([0, 2], unbiased: false) - 1).abs().max().item<double>());
        }
        return (mean, variance);
    }

    private static torch.Tensor Input(int[] chunks) =>
        ChunkTensor.Signal(chunks, TrainingChunks.Chunks[0].Length, i => TrainingChunks.Chunks[i]);

    private static float[] Outputs(ModelGraph graph, bool train)
    {
        using var module = new GraphModule(graph);
        module.train(train);
        using var noGrad = torch.no_grad();
        using var output = module.forward(Input(Enumerable.Range(0, TrainingChunks.Count).ToArray()));
        return output.data<float>().ToArray();
    }

    /// <summary>Largest absolute difference of log-probabilities at most <paramref name="tolerance"/>.</summary>
    private static void AssertClose(float[] expected, float[] actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        var largest = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        Assert.True(largest <= tolerance, $"largest difference {largest}, tolerance {tolerance}");
    }
}
