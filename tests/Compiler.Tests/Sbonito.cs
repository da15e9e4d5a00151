using Dipper.Compiler.Calibration;
using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Execution;
using Dipper.Compiler.Graph.Lowered;
using Dipper.Compiler.Import;
using Dipper.Compiler.Passes;
using Dipper.Compiler.Quantisation;

namespace Dipper.Compiler.Tests;

/// <summary>The default model through the compiler's passes, quantised on a few windows of the test reads; built once per test run.</summary>
internal static class Sbonito
{
    public const int Batch = 3;

    private static readonly Lazy<ModelGraph> LazyFloat = new(() =>
        LowerSwish.Apply(FoldBatchNorm.Apply(SbonitoMapper.ToGraph(TorchCheckpoint.Read(TestData.Checkpoint), "sbonito.pth"))));

    private static readonly Lazy<LoweredGraph> LazyLowered = new(() => LowerToNhwc.Apply(Float, Batch, TestData.WindowSamples));

    private static readonly Lazy<LoweredGraph> LazyInt8 = new(() =>
    {
        // The reference windows of three reads: few, but real signal, so every activation sees its usual range.
        var windows = TestData.ReferenceWindows().Chunk(TestData.WindowSamples).ToList();
        var statistics = Calibrator.Collect(new FloatExecutor(Float), windows, Batch, 1, null, CancellationToken.None);
        return Int8Quantiser.Apply(Lowered, statistics.Ranges(RangeMethod.Percentile), QuantisationParameters.ForRange(-2.5f, 2.5f));
    });

    /// <summary>BatchNorm folded, swish lowered.</summary>
    public static ModelGraph Float => LazyFloat.Value;

    /// <summary>Lowered for <see cref="Batch"/> chunks of 1800 samples, log-softmax in the graph.</summary>
    public static LoweredGraph Lowered => LazyLowered.Value;

    /// <summary>int8.</summary>
    public static LoweredGraph Int8 => LazyInt8.Value;

    /// <summary>The reference windows quantised to the int8 input.</summary>
    public static sbyte[] Int8Windows() => TestData.ReferenceWindows().Select(Int8.InputTensor.Quantisation!.Parameters.Quantise).ToArray();
}
