using Dipper.Compiler.Compilation;
using Dipper.Compiler.Graph.Lowered;
using Dipper.Compiler.Quantisation;

namespace Dipper.Compiler.Tests.Compilation;

public sealed class QuantiseStageTests
{
    [Fact]
    public async Task Int8_model_takes_the_batch_as_its_height_and_its_input_spans_the_calibrated_clip()
    {
        var source = await ImportStage.RunAsync(TestData.Checkpoint, CancellationToken.None);
        var set = await CalibrateStage.LoadReadsAsync([TestData.Reads], source.Manifest, CalibrateStageTests.SmallSet, CancellationToken.None);
        var calibrated = CalibrateStage.Run(FoldStage.Run(source.Graph), set, source.Manifest, CalibrateStageTests.Settings, TextWriter.Null, CancellationToken.None);

        var quantised = QuantiseStage.Run(calibrated, TestData.WindowSamples, CalibrateStageTests.Settings with { Batch = 3 });

        Assert.Equal([3, TestData.WindowSamples, 1], quantised.Float.InputTensor.Shape);
        Assert.Equal(quantised.Float.InputTensor.Shape, quantised.Int8.InputTensor.Shape);
        Assert.Equal((ElementType.Float32, ElementType.Int8), (quantised.Float.InputTensor.Type, quantised.Int8.InputTensor.Type));
        Assert.Equal(QuantisationParameters.ForRange(-2.5f, 2.5f), quantised.Int8.InputTensor.Quantisation!.Parameters);
        Assert.Equal((3, 3), (quantised.Float.Batch, quantised.Int8.Batch));
    }
}
