using Dipper.Compiler.Compilation;
using Dipper.Compiler.Graph.Operations;
using Dipper.Compiler.Passes.Compression;
using Dipper.Compiler.Tests.Quantisation;

namespace Dipper.Compiler.Tests.Compilation;

public class CompressStageTests
{
    [Fact]
    public void Ksep_then_s2d_rewrites_the_separable_convolutions_then_the_residual_block_they_form()
    {
        const int c = 8;
        // stem, then a residual block of two separable k9 convolutions with a swish between them.
        var graph = SmallGraphs.Build(43, (g, x) =>
        {
            x = g.Node("stem.act", new Swish(), g.Conv(x, 1, c, 3));
            var y = g.Conv(g.Conv(x, c, c, 9, depthwise: true), c, c, 1);
            y = g.Conv(g.Conv(g.Node("block.conv.act", new Swish(), y), c, c, 9, depthwise: true), c, c, 1);
            return g.Node("block.act", new Swish(), g.Node("block.add", new Add(), y, g.Conv(x, c, c, 1)));
        });
        var chunks = Enumerable.Range(0, 8).Select(s => SmallGraphs.Signal(600 + s, 1)).ToArray();
        var options = new ModelCompressionOptions
        {
            Method = CompressionMethod.KSeparableSpaceToDepth, Sparsity = 0, Recalibrate = false, Threads = 1, Batch = SmallGraphs.Batch,
        };
        using var output = new StringWriter();

        var model = CompressStage.Run(graph, chunks, options, chunks.Length, output, CancellationToken.None);

        // Two KSeparable records, then the block's S2D record.
        Assert.Equal(["separable block", "separable block", "residual block"], model.Layers.Select(l => l.Kind));
        var convs = model.Graph.Nodes.Select(n => n.Operation).OfType<Conv1d>().ToArray();
        // Inside the block the KSeparable pair runs at 2C: dense 3-tap 2C → 2C, depthwise dilated by 3 over 2C.
        Assert.Equal(2, convs.Count(k => k is { KernelSize: 3, Groups: 1, InChannels: 2 * c, OutChannels: 2 * c }));
        Assert.Equal(2, convs.Count(k => k is { Dilation: 3, Groups: 2 * c }));
        Assert.Single(model.Graph.Nodes, n => n.Operation is ConvTranspose1d { InChannels: 2 * c, OutChannels: c, Stride: 3 });
        Assert.Contains("1 of 1 residual blocks rewritten into S2D form", output.ToString());
        Assert.Equal("factorize-ksep+factorize-s2d", options.PassName);
    }
}
