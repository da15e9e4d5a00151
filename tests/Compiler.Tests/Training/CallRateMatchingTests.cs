using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Operations;
using Dipper.Compiler.Passes;
using Dipper.Compiler.Training;
using TorchSharp;
using Xunit.Abstractions;

namespace Dipper.Compiler.Tests.Training;

[Collection(LibTorchCollection.Name)]
public sealed class CallRateMatchingTests
{
    private const int Blank = 0;
    private readonly ITestOutputHelper _log;

    public CallRateMatchingTests(ITestOutputHelper log)
    {
        _log = log;
        TorchRuntime.Start(threads: 2);
    }

    [Fact]
    public void A_student_that_favours_the_blank_is_given_back_the_teachers_call_rate_and_offsets_that_undo_the_bias()
    {
        var teacher = FoldBatchNorm.Apply(TrainingChunks.Unfolded);
        // A student like a distilled one: the blank's score raised, so it calls too few bases.
        var student = new CallRateMatching([1.0, 0, 0, 0, 0], [], [], [], 0).Apply(teacher);
        var (teacherChunks, studentChunks) = (LogProbabilities(teacher), LogProbabilities(student));

        var matching = CallRateMatching.Fit(studentChunks, teacherChunks, classes: 5, Blank);

        _log.WriteLine($"teacher {string.Join(" ", matching.TeacherCalls)}; student {string.Join(" ", matching.CallsBefore)} → {string.Join(" ", matching.CallsAfter)}; offsets {string.Join(" ", matching.Offsets.Select(o => o.ToString("F3")))}");
        Assert.True(matching.CallsBefore.Sum() < 0.97 * matching.TeacherCalls.Sum(), "the raised blank should cost calls");
        for (var c = 1; c < 5; c++)
            Assert.InRange(matching.CallsAfter[c], 0.97 * matching.TeacherCalls[c], 1.03 * matching.TeacherCalls[c]);
        // Undoing +1 on the blank is +1 on every base (only differences count); small counts leave some slack.
        Assert.Equal(0, matching.Offsets[Blank]);
        for (var c = 1; c < 5; c++) Assert.InRange(matching.Offsets[c], 0.7, 1.3);
        Assert.True(matching.IsWithinReach);
        // The offsets written into the graph give the calls the fit counted.
        Assert.Equal(matching.CallsAfter, CallRateMatching.Calls(LogProbabilities(matching.Apply(student)), 5, Blank, new double[5]));
    }

    [Fact]
    public void A_student_that_calls_almost_nothing_is_out_of_reach_of_offsets()
    {
        var teacher = FoldBatchNorm.Apply(TrainingChunks.Unfolded);
        var silent = new CallRateMatching([8.0, 0, 0, 0, 0], [], [], [], 0).Apply(teacher);

        var matching = CallRateMatching.Fit(LogProbabilities(silent), LogProbabilities(teacher), classes: 5, Blank);

        _log.WriteLine($"student {matching.CallsBefore.Sum()} calls, teacher {matching.TeacherCalls.Sum()}; offsets {string.Join(" ", matching.Offsets.Select(o => o.ToString("F3")))}");
        Assert.True(matching.CallsBefore.Sum() < matching.TeacherCalls.Sum() / 10);
        Assert.False(matching.IsWithinReach);
    }

    [Fact]
    public void Applying_offsets_changes_the_output_layers_bias_and_no_other_weight()
    {
        var graph = FoldBatchNorm.Apply(TrainingChunks.Unfolded);
        double[] offsets = [0, 0.25, -0.5, 1, 0.125];

        var shifted = new CallRateMatching(offsets, [], [], [], 0).Apply(graph);

        var output = (Linear)graph.Nodes.Single(n => n.Operation is Linear).Operation;
        var before = graph.Weights[output.Bias!].Values.ToArray();
        var after = shifted.Weights[((Linear)shifted.Nodes.Single(n => n.Operation is Linear).Operation).Bias!].Values.ToArray();
        for (var c = 0; c < 5; c++) Assert.Equal(before[c] + offsets[c], after[c], 6);
        foreach (var (name, weight) in graph.Weights.Where(w => w.Key != output.Bias))
            Assert.Equal(weight.Values.ToArray(), shifted.Weights[name].Values.ToArray());
    }

    [Fact]
    public void A_model_whose_output_is_not_a_log_softmax_over_a_linear_layer_is_refused_by_name()
    {
        var graph = FoldBatchNorm.Apply(TrainingChunks.Unfolded);
        var softmax = graph.Producer(graph.Outputs[0].Name)!;
        // The log-softmax's input made the output: no normalised classes to shift.
        var scores = new ModelGraph(graph.Name, graph.Inputs, graph.Nodes.Where(n => n != softmax).ToList(),
            [graph.Outputs[0] with { Name = softmax.Inputs[0] }], graph.Weights);

        var error = Assert.Throws<GraphException>(() => new CallRateMatching(new double[5], [], [], [], 0).Apply(scores));
        Assert.Contains("not a log-softmax over a linear layer", error.Message);
    }

    [Fact]
    public void Greedy_calls_count_a_base_once_per_run_and_again_after_a_blank()
    {
        // Frames (best class): A A blank A C C T blank → A, A, C, T.
        int[] best = [1, 1, 0, 1, 2, 2, 4, 0];
        var chunk = new float[best.Length * 5];
        for (var f = 0; f < best.Length; f++)
        {
            for (var c = 0; c < 5; c++) chunk[f * 5 + c] = -5;
            chunk[f * 5 + best[f]] = -0.1f;
        }

        Assert.Equal([0L, 2, 1, 0, 1], CallRateMatching.Calls([chunk], 5, Blank, new double[5]));
        // An offset large enough turns every frame to A: one run, one call.
        Assert.Equal([0L, 1, 0, 0, 0], CallRateMatching.Calls([chunk], 5, Blank, [0, 10, 0, 0, 0]));
    }

    private static List<float[]> LogProbabilities(ModelGraph graph)
    {
        using var scope = torch.NewDisposeScope();
        using var module = new GraphModule(graph);
        module.eval();
        var chunks = TrainingChunks.Chunks;
        using var _ = torch.no_grad();
        var output = module.forward(ChunkTensor.Signal(Enumerable.Range(0, chunks.Length).ToArray(), chunks[0].Length, i => chunks[i]));
        return Enumerable.Range(0, chunks.Length).Select(i => output[i].contiguous().data<float>().ToArray()).ToList();
    }
}
