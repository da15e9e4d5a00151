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
    public void A_base_frame_weight_counts_a_frame_the_teacher_calls_a_base_that_many_times_a_blank_frame()
    {
        using var scope = torch.NewDisposeScope();
        // Class 0 is the blank. Frame 1: the teacher is all but sure of the blank; frame 2: all but sure of base 1.
        var teacher = torch.tensor(new[] { MathF.Log(0.999f), MathF.Log(0.001f), MathF.Log(0.001f), MathF.Log(0.999f) }, [1, 2, 2]);
        var student = torch.tensor(new[] { MathF.Log(0.6f), MathF.Log(0.4f), MathF.Log(0.3f), MathF.Log(0.7f) }, [1, 2, 2]);
        var blankFrame = DistillationLoss.Compute(student[.., ..1], teacher[.., ..1]).item<float>();
        var baseFrame = DistillationLoss.Compute(student[.., 1..], teacher[.., 1..]).item<float>();

        var plain = DistillationLoss.Compute(student, teacher).item<float>();
        var one = DistillationLoss.Compute(student, teacher, temperature: 1, baseWeight: 1, blank: 0).item<float>();
        var four = DistillationLoss.Compute(student, teacher, temperature: 1, baseWeight: 4, blank: 0).item<float>();

        Assert.Equal((blankFrame + baseFrame) / 2, plain, 1e-6);
        Assert.Equal(plain, one);
        // Weights 1 + 3 · 0.001 and 1 + 3 · 0.999.
        var (wBlank, wBase) = (1 + 3 * 0.001, 1 + 3 * 0.999);
        Assert.Equal((wBlank * blankFrame + wBase * baseFrame) / (wBlank + wBase), four, 1e-5);
        // The blank's class decides which frames weigh more: with class 1 as the blank the first frame is the "base" one.
        var swapped = DistillationLoss.Compute(student, teacher, temperature: 1, baseWeight: 4, blank: 1).item<float>();
        Assert.Equal((wBase * blankFrame + wBlank * baseFrame) / (wBlank + wBase), swapped, 1e-5);
        Assert.Throws<ArgumentOutOfRangeException>(() => DistillationLoss.Compute(student, teacher, 1, 0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => DistillationLoss.Compute(student, teacher, 1, 2, 2));
    }

    [Fact]
    public void Twenty_distillation_steps_on_real_chunks_lower_the_loss_of_a_pruned_student()
    {
        // Through the product's training loop (which also stands guard against libtorch's transient non-finite gradients).
        var chunks = TrainingChunks.Chunks;
        using var distillation = new Distillation(TrainingChunks.Unfolded, chunks, chunks, temperature: 2, validationBatch: chunks.Length);
        var output = new StringWriter();

        var result = TrainingLoop.Run(HalfOfEveryPointwiseWeightZero(TrainingChunks.Unfolded), distillation,
            new TrainingOptions { Steps = 20, Batch = chunks.Length, LearningRate = 1e-3, ValidateEvery = 20 }, output, TextWriter.Null, terminal: false, CancellationToken.None);

        _log.WriteLine(output.ToString());
        _log.WriteLine($"distillation loss (T = 2): first step {result.FirstLoss:g3}, last step {result.LastLoss:g3}");
        Assert.True(result.LastLoss < 0.8 * result.FirstLoss, $"loss went from {result.FirstLoss} to {result.LastLoss}");
        Assert.True(result.Validations[^1].Loss < 0.8 * result.Validations[0].Loss, $"validation loss went from {result.Validations[0].Loss} to {result.Validations[^1].Loss}");
        Assert.NotEmpty(result.MaskedWeights);
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
