using System.Globalization;
using Dipper.Compiler.Graph;
using Dipper.Compiler.Passes;
using TorchSharp;
using static TorchSharp.torch;

namespace Dipper.Compiler.Training;

/// <summary>
/// The one training loop of the compiler, whatever the objective (<see cref="ITrainingObjective"/>): Adam with a
/// cosine-decaying rate, the model's zeros (pruning, DSF's sparse factors) put back after every step
/// (<see cref="SparsityMask"/>) and, when asked, more zeros cut as it trains (<see cref="GradualPruning"/>), a
/// validation on held-out chunks every so often with the best model kept, a progress line, and checkpoints a killed
/// run resumes from.
/// </summary>
public static class TrainingLoop
{
    /// <summary>Trains <paramref name="graph"/> on <paramref name="objective"/>; call <see cref="TorchRuntime.Start"/> first.</summary>
    /// <param name="graph">The model to train (e.g. a compressed one).</param>
    /// <param name="objective">The loss and the validation.</param>
    /// <param name="options">Steps, batch, learning rate, checkpoints.</param>
    /// <param name="output">Where validations and checkpoints are noted.</param>
    /// <param name="progressOutput">Where the progress line goes.</param>
    /// <param name="terminal">True when <paramref name="progressOutput"/> is a terminal (one line redrawn in place).</param>
    /// <param name="cancellationToken">Stops between steps.</param>
    /// <exception cref="InvalidDataException">The checkpoint to resume from is missing or belongs to another run, or training diverged.</exception>
    public static TrainingResult Run(ModelGraph graph, ITrainingObjective objective, TrainingOptions options, TextWriter output,
        TextWriter progressOutput, bool terminal, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.Steps);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.Batch);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.ValidateEvery);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(objective.TrainingChunks);
        var trained = options.BatchNorm ? TrainingBatchNorm.Insert(graph, objective.Input, objective.TrainingChunks, normalising: options.NormalisingStart) : graph;
        using var model = new GraphModule(trained);
        using var mask = new SparsityMask(model);
        var optimizer = optim.Adam(model.parameters(), lr: options.LearningRate);
        var order = new ChunkOrder(objective.TrainingChunks, options.Seed);

        var state = new TrainingCheckpoint.State(graph.Name, objective.TrainingChunks, options.Batch, 0, double.NaN, double.NaN, 0, [], 0)
        {
            Objective = objective.Name,
        };
        var best = trained;
        int? resumedFrom = null;
        if (options.Resume)
        {
            if (options.CheckpointPath is not { } path || !File.Exists(path))
                throw new InvalidDataException($"--resume: no checkpoint at {options.CheckpointPath} to resume from");
            (state, best) = TrainingCheckpoint.Read(path, model, optimizer);
            if (state.Model != graph.Name || state.TrainingChunks != objective.TrainingChunks || state.Batch != options.Batch
                || (state.Objective ?? "distillation") != objective.Name)
                throw new InvalidDataException($"--resume: {path} is a checkpoint of {state.Model} ({state.Objective ?? "distillation"}) on {state.TrainingChunks} chunks " +
                    $"at batch {state.Batch}, not of {graph.Name} ({objective.Name}) on {objective.TrainingChunks} chunks at batch {options.Batch}");
            resumedFrom = state.Step;
            output.WriteLine($"resuming from the checkpoint at step {state.Step} ({path})");
        }
        else
        {
            state.Validations.Add(Validate(model, objective, 0));
            output.WriteLine(state.Validations[^1].Describe("before training"));
        }

        var bar = new TrainingProgress(progressOutput, terminal, options.Steps, state.Step);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var secondsBefore = state.Seconds;
        for (var step = state.Step + 1; step <= options.Steps; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            double loss;
            var chunks = order.Step(step - 1, options.Batch);
            using (var scope = NewDisposeScope())
            {
                model.train();
                SetLearningRate(optimizer, LearningRate(options, step));
                var (value, recomputations, finite) = LossAndGradients(model, objective, chunks);
                loss = value.item<float>();
                if (recomputations > 0)
                {
                    bar.Clear();
                    output.WriteLine($"step {step}: libtorch returned non-finite gradients for a finite loss; the step was computed again " +
                        $"({recomputations}×; see docs/training.md)");
                }
                if (!finite && double.IsFinite(loss))
                    throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                        $"training diverged at step {step}: the loss is {loss} but the gradients stayed non-finite in {recomputations} recomputations; try a lower --lr than {options.LearningRate}"));
                state = state with { RecomputedSteps = state.RecomputedSteps + (recomputations > 0 ? 1 : 0) };
                if (double.IsFinite(loss))
                {
                    optimizer.step();
                    mask.Apply();
                }
            }
            if (double.IsFinite(loss) && options.Pruning is { } due && due.IsDue(step)) due.Prune(model, mask, step, () => objective.Input(chunks));
            if (!double.IsFinite(loss))
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                    $"training diverged at step {step}: the loss is {loss}; try a lower --lr than {options.LearningRate}"));
            state = state with
            {
                Step = step,
                FirstLoss = step == 1 ? loss : state.FirstLoss,
                LastLoss = loss,
                Seconds = secondsBefore + clock.Elapsed.TotalSeconds,
            };
            bar.Report(step, loss, (long)options.Batch * objective.ChunkSamples);
            if (step % options.ValidateEvery == 0 || step == options.Steps || step == options.Pruning?.EndStep)
            {
                var record = Validate(model, objective, step);
                state.Validations.Add(record);
                // While pruning, only a student with all its zeros may be kept: a denser one is nearer the teacher but is not what was asked for.
                var eligible = options.Pruning?.IsComplete(step) ?? true;
                var bestEligible = options.Pruning?.IsComplete(state.BestStep) ?? true;
                var isBest = eligible && (!bestEligible || record.IsBetterThan(state.Validations.Single(v => v.Step == state.BestStep)));
                if (isBest)
                {
                    best = model.ToGraph();
                    state = state with { BestStep = step };
                }
                bar.Clear();
                output.WriteLine(record.Describe(isBest ? "best so far"
                    : !eligible && options.Pruning is { } cutting
                        ? string.Create(CultureInfo.InvariantCulture, $"pruning: {cutting.SparsityAt(step):P1} of each layer zero, {cutting.Sparsity:P1} at step {cutting.EndStep}; not kept")
                        : $"best stays step {state.BestStep}"));
            }
            if (options.CheckpointEvery > 0 && options.CheckpointPath is { } checkpoint && step % options.CheckpointEvery == 0 && step != options.Steps)
            {
                TrainingCheckpoint.Write(checkpoint, state, model, optimizer, best);
                bar.Clear();
                output.WriteLine($"checkpoint written at step {step}");
            }
        }
        return new TrainingResult(options.BatchNorm ? FoldBatchNorm.Apply(best) : best, state.BestStep, state.Step, resumedFrom, state.FirstLoss, state.LastLoss, state.Validations,
            state.Seconds, mask.MaskedWeights) { RecomputedSteps = state.RecomputedSteps };
    }

    /// <summary>
    /// The rate of <paramref name="step"/> (1-based): a linear rise over <see cref="TrainingOptions.WarmupSteps"/>,
    /// then a cosine decay from the peak to zero over the steps left.
    /// </summary>
    public static double LearningRate(TrainingOptions options, int step)
    {
        var warmup = Math.Min(options.WarmupSteps, options.Steps - 1);
        if (step <= warmup) return options.LearningRate * step / (warmup + 1);
        return options.LearningRate * 0.5 * (1 + Math.Cos(Math.PI * (step - 1 - warmup) / (options.Steps - warmup)));
    }

    /// <summary>The step's loss with its gradients in place (<see cref="UntilGradientsFinite"/>), the recomputations it took, and whether they were finite in the end.</summary>
    private static (Tensor Loss, int Recomputations, bool Finite) LossAndGradients(GraphModule model, ITrainingObjective objective, int[] chunks)
    {
        Tensor value = null!;
        var (recomputations, accepted) = UntilGradientsFinite(() =>
        {
            model.zero_grad();
            value = objective.Loss(model, chunks);
            value.backward();
            return !float.IsFinite(value.item<float>()) || GradientCheck.AllFinite(model);
        });
        return (value, recomputations, accepted);
    }

    /// <summary>
    /// Runs <paramref name="pass"/> (a step's forward and backward passes; it returns true when its result stands: a
    /// non-finite loss, or finite gradients) and, while a finite loss comes back with non-finite gradients, libtorch's
    /// transient multi-threaded convolution fault (<see cref="GradientCheck"/>), runs it again, up to
    /// <see cref="MaxRecomputations"/> times, the last of them on one libtorch thread: the fault belongs to the
    /// multi-threaded backward (docs/training.md measured 11 faulty passes in 300 at 2 threads and none in 300 at 1), and a
    /// loaded machine has been seen to give several faulty passes in a row. Each recomputation updates the BatchNorm
    /// running statistics once more with the same chunks (a momentum-weighted nudge; training-mode outputs do not use
    /// them). Public so that a loop timing steps of its own (bench/train) retries as training does.
    /// </summary>
    /// <returns>How many recomputations it took, and whether the last pass's result stands.</returns>
    public static (int Recomputations, bool Accepted) UntilGradientsFinite(Func<bool> pass)
    {
        ArgumentNullException.ThrowIfNull(pass);
        var threads = get_num_threads();
        for (var recomputations = 0; ; recomputations++)
        {
            var lastOnOneThread = recomputations == MaxRecomputations && threads > 1;
            if (lastOnOneThread) set_num_threads(1);
            bool accepted;
            try
            {
                accepted = pass();
            }
            finally
            {
                if (lastOnOneThread) set_num_threads(threads);
            }
            if (accepted || recomputations == MaxRecomputations) return (recomputations, accepted);
        }
    }

    /// <summary>How often one step is computed again before non-finite gradients count as divergence.</summary>
    public const int MaxRecomputations = 3;

    private static ValidationRecord Validate(GraphModule model, ITrainingObjective objective, int step)
    {
        model.eval();
        using var noGrad = no_grad();
        return objective.Validate(model, step);
    }

    private static void SetLearningRate(TorchSharp.Modules.OptimizerHelper optimizer, double rate)
    {
        foreach (var group in optimizer.ParamGroups) group.LearningRate = rate;
    }
}
