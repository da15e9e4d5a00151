using System.Globalization;
using Dipper.Compiler.Graph;
using TorchSharp;
using static TorchSharp.torch;

namespace Dipper.Compiler.Training;

/// <summary>
/// Knowledge distillation of a student base caller from a teacher on unlabelled chunks: Adam on the per-frame KL
/// divergence between their posteriors (<see cref="DistillationLoss"/>), with the student's zeros (pruning, DSF's
/// sparse factors) put back after every step, a validation against the teacher on held-out chunks every so often
/// (KL and frame agreement), the best student (lowest held-out KL) kept, and checkpoints a killed run resumes from.
/// </summary>
public static class Distillation
{
    /// <summary>Trains <paramref name="studentGraph"/> towards <paramref name="teacherGraph"/>; call <see cref="TorchRuntime.Start"/> first.</summary>
    /// <param name="studentGraph">The model to train (e.g. a compressed one).</param>
    /// <param name="teacherGraph">The model whose posteriors are the targets (e.g. the dense one).</param>
    /// <param name="training">Chunks to train on.</param>
    /// <param name="validation">Chunks of held-out reads to validate on.</param>
    /// <param name="options">Steps, batch, learning rate, temperature, checkpoints.</param>
    /// <param name="output">Where validations and checkpoints are noted.</param>
    /// <param name="progressOutput">Where the progress line goes.</param>
    /// <param name="terminal">True when <paramref name="progressOutput"/> is a terminal (one line redrawn in place).</param>
    /// <param name="cancellationToken">Stops between steps.</param>
    /// <exception cref="InvalidDataException">The checkpoint to resume from is missing or belongs to another run, or training diverged.</exception>
    public static DistillationResult Run(ModelGraph studentGraph, ModelGraph teacherGraph, IReadOnlyList<float[]> training,
        IReadOnlyList<float[]> validation, DistillationOptions options, TextWriter output, TextWriter progressOutput, bool terminal, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.Steps);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.Batch);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.ValidateEvery);
        using var student = new GraphModule(studentGraph);
        using var teacher = new GraphModule(teacherGraph);
        teacher.eval();
        using var mask = new SparsityMask(student);
        var optimizer = optim.Adam(student.parameters(), lr: options.LearningRate);
        var samples = training[0].Length;
        var order = new ChunkOrder(training.Count, options.Seed);

        var state = new DistillationCheckpoint.State(studentGraph.Name, training.Count, options.Batch, 0, double.NaN, double.NaN, 0, [], 0);
        ModelGraph best = studentGraph;
        int? resumedFrom = null;
        if (options.Resume)
        {
            if (options.CheckpointPath is not { } path || !File.Exists(path))
                throw new InvalidDataException($"--resume: no checkpoint at {options.CheckpointPath} to resume from");
            (state, best) = DistillationCheckpoint.Read(path, student, optimizer);
            if (state.Model != studentGraph.Name || state.TrainingChunks != training.Count || state.Batch != options.Batch)
                throw new InvalidDataException($"--resume: {path} is a checkpoint of {state.Model} on {state.TrainingChunks} chunks at batch {state.Batch}, " +
                    $"not of {studentGraph.Name} on {training.Count} chunks at batch {options.Batch}");
            resumedFrom = state.Step;
            output.WriteLine($"resuming from the checkpoint at step {state.Step} ({path})");
        }
        else
        {
            state.Validations.Add(Validate(student, teacher, validation, options, 0));
            output.WriteLine(Describe(state.Validations[^1], "before training"));
        }

        var bar = new TrainingProgress(progressOutput, terminal, options.Steps, state.Step);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var secondsBefore = state.Seconds;
        for (var step = state.Step + 1; step <= options.Steps; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            double loss;
            using (var scope = NewDisposeScope())
            {
                student.train();
                var input = Batch(training, order.Step(step - 1, options.Batch), samples);
                Tensor target;
                using (no_grad()) target = teacher.forward(input);
                var value = DistillationLoss.Compute(student.forward(input), target, options.Temperature);
                SetLearningRate(optimizer, options.LearningRate * 0.5 * (1 + Math.Cos(Math.PI * (step - 1) / options.Steps)));
                optimizer.zero_grad();
                value.backward();
                optimizer.step();
                mask.Apply();
                loss = value.item<float>();
            }
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
            bar.Report(step, loss, (long)options.Batch * samples);
            if (step % options.ValidateEvery == 0 || step == options.Steps)
            {
                var record = Validate(student, teacher, validation, options, step);
                state.Validations.Add(record);
                // The best is the lowest held-out KL: on a few thousand frames the argmax agreement moves in coarse, noisy
                // steps (and ignores how sure the student is), while the KL is what training lowers and it falls smoothly.
                var isBest = record.Loss < state.Validations.Single(v => v.Step == state.BestStep).Loss;
                if (isBest)
                {
                    best = student.ToGraph();
                    state = state with { BestStep = step };
                }
                bar.Clear();
                output.WriteLine(Describe(record, isBest ? "best so far" : $"best stays step {state.BestStep}"));
            }
            if (options.CheckpointEvery > 0 && options.CheckpointPath is { } checkpoint && step % options.CheckpointEvery == 0 && step != options.Steps)
            {
                DistillationCheckpoint.Write(checkpoint, state, student, optimizer, best);
                bar.Clear();
                output.WriteLine($"checkpoint written at step {step}");
            }
        }
        return new DistillationResult(best, state.BestStep, state.Step, resumedFrom, state.FirstLoss, state.LastLoss, state.Validations,
            state.Seconds, mask.MaskedWeights);
    }

    /// <summary>Validation loss and frame agreement of the student against the teacher on the held-out chunks.</summary>
    private static ValidationRecord Validate(GraphModule student, GraphModule teacher, IReadOnlyList<float[]> validation, DistillationOptions options, int step)
    {
        student.eval();
        using var noGrad = no_grad();
        double loss = 0;
        long agree = 0, frames = 0;
        var samples = validation[0].Length;
        for (var first = 0; first < validation.Count; first += options.Batch)
        {
            using var scope = NewDisposeScope();
            var indices = Enumerable.Range(first, Math.Min(options.Batch, validation.Count - first)).ToArray();
            var input = Batch(validation, indices, samples);
            var s = student.forward(input);
            var t = teacher.forward(input);
            loss += DistillationLoss.Compute(s, t, options.Temperature).item<float>() * indices.Length;
            agree += s.argmax(-1).eq(t.argmax(-1)).sum().item<long>();
            frames += s.shape[0] * s.shape[1];
        }
        return new ValidationRecord(step, loss / validation.Count, (double)agree / frames);
    }

    private static Tensor Batch(IReadOnlyList<float[]> chunks, int[] indices, int samples)
    {
        var values = new float[indices.Length * samples];
        for (var i = 0; i < indices.Length; i++) chunks[indices[i]].CopyTo(values, i * samples);
        return tensor(values, [indices.Length, 1, samples]);
    }

    private static void SetLearningRate(TorchSharp.Modules.OptimizerHelper optimizer, double rate)
    {
        foreach (var group in optimizer.ParamGroups) group.LearningRate = rate;
    }

    private static string Describe(ValidationRecord v, string note) => string.Create(CultureInfo.InvariantCulture,
        $"validation at step {v.Step}: loss {v.Loss:F4}, frame agreement with the teacher {v.FrameAgreement:P2} ({note})");
}
