using Dipper.Compiler.Compilation;
using Dipper.Compiler.Graph.Execution;
using Dipper.Compiler.Graph.Operations;

namespace Dipper.Compiler.Tests.Compilation;

public sealed class FoldStageTests
{
    [Fact]
    public async Task Folded_graph_has_no_batch_norm_and_computes_what_the_trained_graph_computes()
    {
        var source = await ImportStage.RunAsync(TestData.Checkpoint, CancellationToken.None);

        var folded = FoldStage.Run(source.Graph);

        Assert.Contains(source.Graph.Nodes, n => n.Operation is BatchNorm1d);
        Assert.DoesNotContain(folded.Nodes, n => n.Operation is BatchNorm1d);
        var input = new FloatTensor([1, 1, TestData.WindowSamples], TestData.ReadFloats("read0.window0.f32"));
        var expected = new FloatExecutor(source.Graph).Run(input).Values;
        var actual = new FloatExecutor(folded).Run(input).Values;
        Assert.InRange(TestData.MaxAbsDifference(expected, actual), 0, 1e-3);
    }
}
