using Dipper.Compiler.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Dipper.Compiler.Tests.Training;

/// <summary>
/// The loop's answer to libtorch's transient fault (non-finite gradients for a finite loss, see GradientCheck): the step is
/// computed again, counted, and training goes on; gradients that stay non-finite are divergence. The fault is made
/// on purpose here, by a term of value 0 whose gradient is NaN, on the small network with its committed CTC data.
/// </summary>
[Collection(LibTorchCollection.Name)]
public sealed class TrainingLoopRecomputationTests
{
    public TrainingLoopRecomputationTests() => TorchRuntime.Start(threads: 2);

    [Fact]
    public void A_step_whose_gradients_come_back_non_finite_is_computed_again_and_training_goes_on()
    {
        var objective = new FaultyObjective(faultyCalls: 2);
        var output = new StringWriter();

        var result = TrainingLoop.Run(SmallCtcNetwork.Graph(), objective, new TrainingOptions { Steps = 6, Batch = 2, LearningRate = 1e-2, ValidateEvery = 3 },
            output, TextWriter.Null, terminal: false, CancellationToken.None);

        Assert.Equal(1, result.RecomputedSteps);
        Assert.Equal(6 + 2, objective.Calls);
        Assert.Contains("step 1: libtorch returned non-finite gradients for a finite loss; the step was computed again (2×", output.ToString());
        Assert.All(result.Best.Weights.Values, w => Assert.All(w.Values.ToArray(), v => Assert.True(float.IsFinite(v))));
        Assert.True(result.LastLoss < result.FirstLoss, $"loss went from {result.FirstLoss} to {result.LastLoss}");
    }

    [Fact]
    public void A_fault_of_every_multi_threaded_pass_is_outlasted_by_a_last_recomputation_on_one_thread()
    {
        var objective = new FaultyObjective(faultyCalls: int.MaxValue, faultsOnOneThread: false);
        var output = new StringWriter();

        var result = TrainingLoop.Run(SmallCtcNetwork.Graph(), objective, new TrainingOptions { Steps = 2, Batch = 2, LearningRate = 1e-2, ValidateEvery = 2 },
            output, TextWriter.Null, terminal: false, CancellationToken.None);

        // Each step: the first pass and two recomputations on the run's 2 threads, then the last recomputation on one.
        Assert.Equal([2, 2, 2, 1, 2, 2, 2, 1], objective.Threads);
        Assert.Equal(2, get_num_threads());
        Assert.Equal(2, result.RecomputedSteps);
        Assert.Contains($"step 2: libtorch returned non-finite gradients for a finite loss; the step was computed again ({TrainingLoop.MaxRecomputations}×", output.ToString());
        Assert.All(result.Best.Weights.Values, w => Assert.All(w.Values.ToArray(), v => Assert.True(float.IsFinite(v))));
    }

    [Fact]
    public void Gradients_that_stay_non_finite_stop_training_as_divergence()
    {
        var objective = new FaultyObjective(faultyCalls: int.MaxValue);

        var error = Assert.Throws<InvalidDataException>(() => TrainingLoop.Run(SmallCtcNetwork.Graph(), objective,
            new TrainingOptions { Steps = 3, Batch = 2, LearningRate = 1e-2, ValidateEvery = 3 }, TextWriter.Null, TextWriter.Null, terminal: false, CancellationToken.None));

        Assert.Contains("training diverged at step 1", error.Message);
        Assert.Contains($"gradients stayed non-finite in {TrainingLoop.MaxRecomputations} recomputations", error.Message);
        Assert.Equal(1 + TrainingLoop.MaxRecomputations, objective.Calls);
        Assert.Equal(2, get_num_threads());
    }

    /// <summary>
    /// CTC on the small network's committed chunks, plus, on its first calls (with <paramref name="faultsOnOneThread"/>
    /// false: those on more than one libtorch thread), a zero whose gradient is NaN.
    /// </summary>
    private sealed class FaultyObjective(int faultyCalls, bool faultsOnOneThread = true) : ITrainingObjective
    {
        public int Calls { get; private set; }

        /// <summary>libtorch's thread count at each call.</summary>
        public List<int> Threads { get; } = [];

        public string Name => "ctc-with-a-fault";

        public int TrainingChunks => 2;

        public int ChunkSamples => 48;

        public Tensor Input(int[] chunks) => SmallCtcNetwork.Signal();

        public Tensor Loss(GraphModule model, int[] chunks)
        {
            Calls++;
            Threads.Add(get_num_threads());
            var loss = SmallCtcNetwork.CtcLoss(model.forward(SmallCtcNetwork.Signal()));
            if (Calls > faultyCalls || (!faultsOnOneThread && Threads[^1] == 1)) return loss;
            // sqrt(|w − w|) is 0, and its gradient is 0 · ∞ = NaN: a finite loss with non-finite gradients.
            var weight = model.TrainedWeights.Values.First();
            return loss + (weight - weight.detach()).abs().sqrt().sum() * 0;
        }

        public ValidationRecord Validate(GraphModule model, int step) =>
            new(step, SmallCtcNetwork.CtcLoss(model.forward(SmallCtcNetwork.Signal())).item<float>());
    }
}
