using TorchSharp;
using static TorchSharp.torch;

namespace Dipper.Compiler.Training;

/// <summary>
/// Where a compressed model's trained weights are exactly zero (pruned weights, the zeros of DSF's sparse
/// factors), kept so that training cannot bring them back: an optimiser step moves every weight, and
/// <see cref="Apply"/> after it puts the zeros back. Weights with no zero get no mask and train freely.
/// Pruning while training (<see cref="GradualPruning"/>) adds zeros as it goes (<see cref="Hold"/>).
/// </summary>
public sealed class SparsityMask : IDisposable
{
    private readonly Dictionary<string, (Tensor Weight, Tensor Keep)> _masks = [];

    /// <summary>Records the zeros of every trained weight of <paramref name="module"/> as it is now.</summary>
    public SparsityMask(GraphModule module)
    {
        foreach (var (name, weight) in module.TrainedWeights)
        {
            using var zeros = weight.detach().eq(0);
            var count = zeros.sum().item<long>();
            if (count == 0) continue;
            _masks.Add(name, (weight, zeros.logical_not()));
            MaskedWeights.Add(name, count);
        }
    }

    /// <summary>For each masked weight (by graph name), how many of its values are held at zero.</summary>
    public Dictionary<string, long> MaskedWeights { get; } = [];

    /// <summary>Zeroes again every masked position; call after each optimiser step.</summary>
    public void Apply()
    {
        using var noGrad = no_grad();
        foreach (var (weight, keep) in _masks.Values) weight.mul_(keep);
    }

    /// <summary>
    /// Holds at zero, from now on, every position of <paramref name="weight"/> where <paramref name="keep"/> is false, as
    /// well as those already held, and zeroes them now. The mask takes ownership of <paramref name="keep"/>.
    /// </summary>
    /// <param name="name">The weight's graph name.</param>
    /// <param name="weight">The module's trained tensor of that name.</param>
    /// <param name="keep">Booleans of the weight's shape: true where the weight may stay nonzero.</param>
    public void Hold(string name, Tensor weight, Tensor keep)
    {
        if (_masks.Remove(name, out var held))
        {
            keep.logical_and_(held.Keep);
            held.Keep.Dispose();
        }
        _masks[name] = (weight, keep);
        using (var noGrad = no_grad()) weight.mul_(keep);
        using var zeros = keep.logical_not();
        MaskedWeights[name] = zeros.sum().item<long>();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var (_, keep) in _masks.Values) keep.Dispose();
    }
}
