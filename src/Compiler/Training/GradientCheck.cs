using static TorchSharp.torch;

namespace Dipper.Compiler.Training;

/// <summary>
/// Whether a backward pass left every trained weight's gradient finite. libtorch 2.10's CPU convolution backward
/// now and then returns a non-finite input gradient when it runs on more than one thread, although its inputs are
/// the same as in the passes before and after it (docs/training.md: 1 pass in 3,000 for one dense conv1d, 11 in 300 for the
/// default model's whole backward at 2 threads, none at 1 thread; the finite passes are bit-identical). A
/// non-finite gradient with a finite loss is therefore that fault, not divergence, and the training loop
/// computes the step again instead of letting Adam spread the NaN into every weight.
/// </summary>
public static class GradientCheck
{
    /// <summary>True when every trained weight of <paramref name="model"/> has a finite gradient (or none).</summary>
    public static bool AllFinite(GraphModule model)
    {
        using var scope = NewDisposeScope();
        var checks = model.TrainedWeights.Values.Select(w => w.grad).OfType<Tensor>().Select(g => g.isfinite().all()).ToArray();
        return checks.Length == 0 || stack(checks).all().item<bool>();
    }
}
