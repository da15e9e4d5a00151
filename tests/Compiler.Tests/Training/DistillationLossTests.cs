using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Operations;
using Dipper.Compiler.Training;
using TorchSharp;
using Xunit.Abstractions;

namespace Dipper.Compiler.Tests.Training;

[Collection(LibTorchCollection.Name)]
public class DistillationLossTests
{
    private readonly ITestOutputHelper _log;

    public DistillationLossTests(ITestOutputHelper log)
    {
        _log = log;
        TorchRuntime.Start(threads: 2);
    }

    [Fact]
    public void Two_class_frames_give_the_kl_divergence_and_identical_posteriors_give_zero()
    {
        using var scope = torch.NewDisposeScope();
        var teacher = torch.tensor(new[] { MathF.Log(0.8f), MathF.Log(0.2f) }, [1, 1, 2]);
        var student = torch.tensor(new[] { MathF.Log(0.5f), MathF.Log(0.5f) }, [1, 1, 2]);

        var loss = DistillationLoss.Compute(student, teacher).item<float>();

        Assert.Equal(0.8 * Math.Log(0.8 / 0.5) + 0.2 * Math.Log(0.2 / 0.5), loss, 1e-6);
        Assert.Equal(0f, DistillationLoss.Compute(teacher, teacher, temperature: 2).item<float>(), 1e-7);
    }

    [Fact]
    public void A_higher_temperature_softens_both_posteriors_and_scales_by_its_square()
    {
        using var scope = torch.NewDisposeScope();
        var teacher = torch.tensor(new[] { MathF.Log(0.8f), MathF.Log(0.2f) }, [1, 1, 2]);
        var student = torch.tensor(new[] { MathF.Log(0.5f), MathF.Log(0.5f) }, [1, 1, 2]);

        var loss = DistillationLoss.Compute(student, teacher, temperature: 2).item<float>();

        // At T = 2, 0.8 : 0.2 becomes 2 : 1 (square roots), and 0.5 : 0.5 stays even.
        var (p, q) = (2.0 / 3, 1.0 / 3);
        Assert.Equal(4 * (p * Math.Log(p / 0.5) + q * Math.Log(q / 0.5)), loss, 1e-6);
    }

    [Fact]
    public void Twenty_distillation_steps_on_real_chunks_lower_the_loss_of_a_pruned_student()
    {
        var teacherGraph = TrainingChunks.Unfolded;
        using var teacher = new GraphModule(teacherGraph);
        teacher.eval();
        using var student = new GraphModule(HalfOfEveryPointwiseWeightZero(teacherGraph));
        using var mask = new SparsityMask(student);
        student.train();
        var optimizer = torch.optim.Adam(student.parameters(), lr: 1e-3);
        var chunks = TrainingChunks.Chunks;
        using var signal = torch.tensor(chunks.SelectMany(c => c).ToArray(), [chunks.Length, 1, chunks[0].Length]);
        torch.Tensor targets;
        using (torch.no_grad()) targets = teacher.forward(signal);
        using var teacherPosteriors = targets;
        var losses = new List<float>();

        for (var step = 0; step < 20; step++)
        {
            using var scope = torch.NewDisposeScope();
            optimizer.zero_grad();
            var loss = DistillationLoss.Compute(student.forward(signal), targets, temperature: 2);
            loss.backward();
            optimizer.step();
            mask.Apply();
            losses.Add(loss.item<float>());
        }

        _log.WriteLine($"distillation loss (T = 2) per step: {string.Join(", ", losses.Select(l => l.ToString("g3")))}");
        Assert.True(losses[^1] < 0.8 * losses[0], $"loss went from {losses[0]} to {losses[^1]}");
        Assert.NotEmpty(mask.MaskedWeights);
    }

    /// <summary>Magnitude-prunes every pointwise (kernel 1) convolution to 50 %, as a compressed student starts.</summary>
    private static ModelGraph HalfOfEveryPointwiseWeightZero(ModelGraph graph)
    {
        var pointwise = graph.Nodes.Select(n => n.Operation).OfType<Conv1d>().Where(c => c.KernelSize == 1).Select(c => c.Weight).ToHashSet();
        var weights = graph.Weights.Select(w =>
        {
            if (!pointwise.Contains(w.Key)) return w;
            var values = w.Value.Values.ToArray();
            var threshold = values.Select(MathF.Abs).Order().ElementAt(values.Length / 2);
            return KeyValuePair.Create(w.Key, new WeightTensor(w.Value.Shape, values.Select(v => MathF.Abs(v) < threshold ? 0f : v).ToArray()));
        });
        return new ModelGraph(graph.Name, graph.Inputs, graph.Nodes, graph.Outputs, weights);
    }
}
