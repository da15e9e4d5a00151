using TorchSharp;
using static TorchSharp.torch;

namespace Dipper.Compiler.Training;

/// <summary>
/// Where a compressed model's trained weights are exactly zero (pruned weights, the zeros of DSF's sparse
/// factors), kept so that training cannot bring them back: an optimiser step moves every weight, and
/// <see cref="Apply"/> after it puts the zeros back. Weights with no zero get no mask and train freely.
/// </summary>
public sealed class SparsityMask : IDisposable
{
    private readonly List<(Tensor Weight, Tensor Keep)> _masks = [];

    /// <summary>Records the zeros of every trained weight of <paramref name="module"/> as it is now.</summary>
    public SparsityMask(GraphModule module)
    {
        foreach (var (name, weight) in module.TrainedWeights)
        {
            using var zeros = weight.detach().eq(0);
            var count = zeros.sum().item<long>();
            if (count == 0) continue;
            _masks.Add((weight, zeros.logical_not()));
            MaskedWeights.Add(name, count);
        }
    }

    /// <summary>For each masked weight (by graph name), how many of its values are held at zero.</summary>
    public Dictionary<string, long> MaskedWeights { get; } = [];

    /// <summary>Zeroes again every masked position; call after each optimiser step.</summary>
    public void Apply()
    {
        using var noGrad = no_grad();
        foreach (var (weight, keep) in _masks) weight.mul_(keep);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var (_, keep) in _masks) keep.Dispose();
    }
}
