using Dipper.Compiler.Commands;
using Dipper.Compiler.Graph.Lowered;
using Dipper.Compiler.Passes;
using Dipper.Compiler.Quantisation;

namespace Dipper.Compiler.Compilation;

/// <summary>The calibrated graph lowered to the appliance's layout, in float and in int8.</summary>
/// <param name="Float">NHWC graph with a fixed batch, float32.</param>
/// <param name="Int8">The same graph quantised to int8 with the calibrated ranges.</param>
public sealed record QuantisedModel(LoweredGraph Float, LoweredGraph Int8);

/// <summary>
/// quantise: lowers the calibrated graph to NHWC with a fixed batch (the Edge TPU's image height) and
/// quantises it to int8: weights per output channel, activations per tensor to the calibrated ranges,
/// biases corrected for the weights' rounding unless asked not to.
/// </summary>
public static class QuantiseStage
{
    /// <summary>Lowers and quantises <paramref name="calibrated"/> for chunks of <paramref name="samples"/> samples.</summary>
    public static QuantisedModel Run(CalibratedModel calibrated, int samples, CompileSettings settings)
    {
        var lowered = LowerToNhwc.Apply(calibrated.Graph, settings.Batch, samples, settings.LogSoftmaxInGraph);
        var input = calibrated.InputRange is { } range
            ? QuantisationParameters.ForRange(range.Min, range.Max)
            : QuantisationParameters.ForRange(-calibrated.Clip, calibrated.Clip);
        var int8 = Int8Quantiser.Apply(lowered, calibrated.Ranges, input,
            settings.BiasCorrection ? calibrated.Statistics.ChannelMeans() : null);
        return new QuantisedModel(lowered, int8);
    }
}
