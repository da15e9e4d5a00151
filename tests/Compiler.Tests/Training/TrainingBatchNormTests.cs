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
