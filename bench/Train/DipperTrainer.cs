using System.Diagnostics;
using Dipper.Compiler.Graph;
using Dipper.Compiler.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Dipper.Bench.Train;

/// <summary>
/// Dipper's side of one loss: a <see cref="GraphModule"/> in training mode with Adam, and for distillation the
/// pruned student's <see cref="SparsityMask"/>, kept between rounds so steps continue where the last round stopped.
/// </summary>
internal sealed class DipperTrainer : IDisposable
{
    private readonly string _loss;
    private readonly TrainingBatch _batch;
    private readonly GraphModule _module;
    private readonly SparsityMask? _mask;
    private readonly optim.Optimizer _optimiser;

    public DipperTrainer(string loss, ModelGraph graph, TrainingBatch batch, double learningRate)
    {
        (_loss, _batch) = (loss, batch);
        _module = new GraphModule(graph);
        _mask = loss == "kl" ? new SparsityMask(_module) : null;
        _module.train();
        _optimiser = optim.Adam(_module.parameters(), lr: learningRate);
    }

    public StepTiming Step()
    {
        var clock = Stopwatch.StartNew();
        using var scope = NewDisposeScope();
        Tensor output, loss;
        var lossSeconds = 0.0;
        // As dipper's TrainingLoop (TrainingLoop.UntilGradientsFinite): a finite loss whose gradients come back non-finite
        // is libtorch's transient multi-threaded convolution fault (docs/training.md), so the step's passes are computed
        // again, the last time on one thread, inside the step's time (what a training run pays for it).
        output = loss = null!;
        var (recomputations, _) = TrainingLoop.UntilGradientsFinite(() =>
        {
            _optimiser.zero_grad();
            var logProbs = _module.forward(_batch.Signal);
            // The loss's forward and backward run on a detached copy of the output, timed on their own; the net's
            // backward then takes the copy's gradient: the same gradients as one backward from the loss.
            output = logProbs.detach().requires_grad_();
            var lossStart = clock.Elapsed;
            loss = _loss == "ctc"
                ? nn.functional.ctc_loss(output.transpose(0, 1), _batch.Targets, _batch.Frames, _batch.TargetLengths)
                : DistillationLoss.Compute(output, _batch.Teacher, _batch.Temperature);
            loss.backward();
            lossSeconds += (clock.Elapsed - lossStart).TotalSeconds;
            logProbs.backward([output.grad!]);
            return !float.IsFinite(loss.item<float>()) || GradientCheck.AllFinite(_module);
        });
        Recomputed += recomputations;
        _optimiser.step();
        _mask?.Apply();
        var value = loss.item<float>();
        var seconds = clock.Elapsed.TotalSeconds;
        if (Problem is null) Problem = FirstNonFinite(output);
        return new StepTiming(seconds, lossSeconds, value);
    }

    /// <summary>Passes computed again after libtorch's gradient fault, over all steps so far.</summary>
    public int Recomputed { get; private set; }

    /// <summary>
    /// Where the first non-finite value appeared (the net's output, or the gradient of a named weight, or the
    /// weight after the step), with the step's number; null while every value is finite. Checked after the
    /// step's clock stopped.
    /// </summary>
    public string? Problem { get; private set; }

    private int _steps;

    private string? FirstNonFinite(Tensor output)
    {
        _steps++;
        static bool Finite(Tensor t) => t.isfinite().all().item<bool>();
        if (!Finite(output)) return $"step {_steps}: the net's output";
        foreach (var (name, weight) in _module.TrainedWeights)
        {
            if (weight.grad is { } grad && !Finite(grad)) return $"step {_steps}: the gradient of {name}";
            if (!Finite(weight)) return $"step {_steps}: {name} after the step";
        }
        return null;
    }

    public void Dispose()
    {
        _optimiser.Dispose();
        _mask?.Dispose();
        _module.Dispose();
    }
}
