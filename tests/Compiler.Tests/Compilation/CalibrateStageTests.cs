using Dipper.Compiler.Calibration;
using Dipper.Compiler.Commands;
using Dipper.Compiler.Compilation;
using Dipper.Compiler.Graph.Operations;

namespace Dipper.Compiler.Tests.Compilation;

public sealed class CalibrateStageTests
{
    internal static readonly CalibrationSetOptions SmallSet = new() { CalibrationChunks = 8, ChunksPerRead = 4, VerificationReads = 1 };

    internal static CompileSettings Settings => new()
    {
        Model = TestData.Checkpoint, Calibration = [TestData.Reads], Output = "unused", Batch = 4, Set = SmallSet, Threads = 2,
    };

    [Fact]
    public async Task Reads_split_into_calibration_chunks_and_held_out_reads_and_every_activation_gets_a_range()
    {
        var source = await ImportStage.RunAsync(TestData.Checkpoint, CancellationToken.None);
        var folded = FoldStage.Run(source.Graph);

        var set = await CalibrateStage.LoadReadsAsync([TestData.Reads], source.Manifest, SmallSet, CancellationToken.None);
        var calibrated = CalibrateStage.Run(folded, set, source.Manifest, Settings, TextWriter.Null, CancellationToken.None);

        Assert.Equal(8, set.Chunks.Count);
        Assert.Single(set.HeldOut);
        Assert.Equal(set.Chunks.Count, CalibrateStage.Summary(set)["chunks"]);
        // Calibration runs the graph the compiled models compute: Swish lowered, every output measured.
        Assert.DoesNotContain(calibrated.Graph.Nodes, n => n.Operation is Swish);
        Assert.All(calibrated.Graph.Nodes, n => Assert.True(calibrated.Ranges.ContainsKey(n.Output), n.Output));
        Assert.All(calibrated.Ranges.Values, r => Assert.True(float.IsFinite(r.Min) && float.IsFinite(r.Max) && r.Max > r.Min, r.ToString()));
        // The manifest clips normalised signal at ±2.5, so the input range is that, not what the chunks happened to reach.
        Assert.Equal(2.5f, calibrated.Clip);
    }

    [Fact]
    public async Task Folder_without_reads_is_refused_with_the_reason()
    {
        var source = await ImportStage.RunAsync(TestData.Checkpoint, CancellationToken.None);
        var empty = Directory.CreateTempSubdirectory("dipper-no-reads-").FullName;
        try
        {
            var e = await Assert.ThrowsAsync<InvalidDataException>(() =>
                CalibrateStage.LoadReadsAsync([empty], source.Manifest, SmallSet, CancellationToken.None));
            Assert.Contains("no usable reads", e.Message);
        }
        finally
        {
            Directory.Delete(empty);
        }
    }
}
