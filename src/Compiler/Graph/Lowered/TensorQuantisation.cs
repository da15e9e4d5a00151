using Dipper.Compiler.Quantisation;

namespace Dipper.Compiler.Graph.Lowered;

/// <summary>
/// The quantisation of one lowered tensor: one scale and zero point for the whole tensor
/// (activations), or one per slice along <see cref="Axis"/> (per-channel weights and biases),
/// exactly as a TFLite QuantizationParameters table holds them.
/// </summary>
/// <param name="Scales">One scale, or one per channel.</param>
/// <param name="ZeroPoints">One zero point per scale.</param>
/// <param name="Axis">The channel axis for per-channel quantisation; 0 otherwise.</param>
public sealed record TensorQuantisation(IReadOnlyList<float> Scales, IReadOnlyList<int> ZeroPoints, int Axis = 0)
{
    /// <summary>Per-tensor quantisation with the given parameters.</summary>
    public static TensorQuantisation PerTensor(QuantisationParameters parameters) =>
        new([parameters.Scale], [parameters.ZeroPoint]);

    /// <summary>True when one scale covers the whole tensor.</summary>
    public bool IsPerTensor => Scales.Count == 1;

    /// <summary>The per-tensor parameters.</summary>
    /// <exception cref="InvalidOperationException">The quantisation is per channel.</exception>
    public QuantisationParameters Parameters => IsPerTensor
        ? new QuantisationParameters(Scales[0], ZeroPoints[0])
        : throw new InvalidOperationException($"quantisation has {Scales.Count} channels, not one scale");
}
