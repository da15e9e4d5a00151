namespace Dipper.Compiler.Quantisation;

/// <summary>The real values an activation tensor is to represent, as calibration chose them.</summary>
/// <param name="Min">Lowest value kept (smaller ones saturate).</param>
/// <param name="Max">Highest value kept.</param>
public readonly record struct ActivationRange(float Min, float Max)
{
    /// <summary>The int8 parameters TFLite's rules give this range.</summary>
    public QuantisationParameters Parameters => QuantisationParameters.ForRange(Min, Max);
}
