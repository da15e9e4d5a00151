// The Edge TPU cost model's estimate (not a measurement: there is no Edge TPU here) of a default-model-shaped network
// in four forms, over channel counts: dense (depthwise-separable), KSeparable (`--factorize ksep`), S2D
// (`--factorize s2d`: the residual blocks where the cost model says it pays, counted in s2d_blocks) and both (`--factorize ksep,s2d`): where each rewrite pays and where not.
// Layout as models/sbonito: stem conv k9 stride 3, 5 residual blocks of 5 separable k11 convolutions (swish between them,
// a 1×1 residual, ADD, swish), one more separable k11, a conv to 40 channels k7, a 1×1 to 5 classes; swish as σ and ×;
// batch 8 × 1800 samples (600 frames), int8. The rewrites are built by the compiler's own passes' node builders
// (KSeparableNodes' layout, SpaceToDepthNodes), with zero weights: the estimate depends on shapes only.
// block_* columns: the first residual block's operators (its 5 separable convolutions, swishes, residual and ADD).
// KERNEL (default 11, the default model's) sets the separable kernel; the KSeparable form has K′/3 depthwise taps, K′ the
// next odd multiple of 3, as `--factorize ksep` builds it.
// Usage: [KERNEL=K] dotnet run -c Release --project bench/EdgeTpuCost [-- CHANNELS...]   (prints TSV: channels, block and model µs)
using System.Globalization;
using Dipper.Compiler.Costing;
using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Operations;
using Dipper.Compiler.Passes;
using Dipper.Compiler.Passes.Factorization;

var channels = args.Length > 0 ? args.Select(int.Parse).ToArray() : [64, 80, 96, 128, 160, 192, 256, 320];
const int Batch = 8, Samples = 1800, ResidualBlocks = 5, Repeat = 5;
var kernel = int.Parse(Environment.GetEnvironmentVariable("KERNEL") ?? "11", CultureInfo.InvariantCulture);
var ksepTaps = kernel;
while (ksepTaps % 3 != 0 || ksepTaps % 2 == 0) ksepTaps++;
var inv = CultureInfo.InvariantCulture;
Console.WriteLine("channels\tdense_block_us\tksep_block_us\tblock_ratio\tdense_model_us\tksep_model_us\tmodel_ratio\tdense_samples_per_s\tksep_samples_per_s"
    + "\ts2d_blocks\ts2d_block_us\ts2d_model_us\ts2d_model_ratio\ts2d_samples_per_s\tboth_blocks\tboth_block_us\tboth_model_us\tboth_model_ratio\tboth_samples_per_s");
foreach (var c in channels)
{
    var (denseGraph, ksepGraph) = (Network(c, kernel, ksepTaps, ksep: false), Network(c, kernel, ksepTaps, ksep: true));
    var dense = Estimate(denseGraph);
    var ksep = Estimate(ksepGraph);
    var (s2dGraph, bothGraph) = (SpaceToDepth(denseGraph), SpaceToDepth(ksepGraph));
    var (s2d, both) = (Estimate(s2dGraph), Estimate(bothGraph));
    int Rewritten(ModelGraph g) => g.Nodes.Count(n => n.Operation is ConvTranspose1d);
    // Operators of the first residual block: those named after it (a swish's σ and × carry its name).
    double Block(ModelCostEstimate e) => e.Operators.Where(o => o.Name.StartsWith("e.encoder.1.", StringComparison.Ordinal)).Sum(o => o.Microseconds);
    var (db, kb, sb, bb) = (Block(dense), Block(ksep), Block(s2d), Block(both));
    Console.WriteLine(string.Create(inv,
        $"{c}\t{db:0.0}\t{kb:0.0}\t{kb / db:0.000}\t{dense.Microseconds:0}\t{ksep.Microseconds:0}\t{ksep.Microseconds / dense.Microseconds:0.000}\t{dense.SamplesPerSecond:0}\t{ksep.SamplesPerSecond:0}"
        + $"\t{Rewritten(s2dGraph)}\t{sb:0.0}\t{s2d.Microseconds:0}\t{s2d.Microseconds / dense.Microseconds:0.000}\t{s2d.SamplesPerSecond:0}"
        + $"\t{Rewritten(bothGraph)}\t{bb:0.0}\t{both.Microseconds:0}\t{both.Microseconds / dense.Microseconds:0.000}\t{both.SamplesPerSecond:0}"));
}

static ModelCostEstimate Estimate(ModelGraph graph) => EdgeTpuCostModel.Estimate(LowerToNhwc.Apply(LowerSwish.Apply(graph), Batch, Samples));

// The residual blocks in S2D form where the cost model says they pay, as `--factorize s2d` chooses them.
static ModelGraph SpaceToDepth(ModelGraph graph) =>
    SpaceToDepthNodes.Apply(graph, SpaceToDepthRewrite.Estimate(graph, Batch, Samples).Where(e => e.Pays).Select(e => SpaceToDepthNodes.Of(e.Block, graph.Weights)).ToArray());

static ModelGraph Network(int c, int kernel, int ksepTaps, bool ksep)
{
    var builder = new GraphBuilder("network");
    var x = builder.Input("signal", new TensorShape(Dim.Named("batch"), 1, Dim.Named("samples")));
    x = builder.Add("e.encoder.0.act", new Swish(), Conv(builder, "e.encoder.0.conv", x, 1, c, 9, stride: 3, padding: 4));
    string Separable(string prefix, string input) => ksep
        ? Conv(builder, prefix + ".dw", Conv(builder, prefix + ".dense", input, c, c, 3, padding: 1), c, c, ksepTaps / 3,
            padding: 3 * (ksepTaps / 3 - 1) / 2, dilation: 3, groups: c)
        : Conv(builder, prefix + ".pw", Conv(builder, prefix + ".dw", input, c, c, kernel, padding: kernel / 2, groups: c), c, c, 1);
    for (var b = 1; b <= ResidualBlocks; b++)
    {
        var p = $"e.encoder.{b}";
        var y = x;
        for (var r = 0; r < Repeat; r++)
        {
            y = Separable($"{p}.conv.{4 * r}", y);
            if (r < Repeat - 1) y = builder.Add($"{p}.conv.{4 * r + 2}", new Swish(), y);
        }
        var residual = Conv(builder, $"{p}.residual", x, c, c, 1);
        x = builder.Add($"{p}.act", new Swish(), builder.Add($"{p}.add", new Add(), y, residual));
    }
    x = builder.Add("e.encoder.6.act", new Swish(), Separable("e.encoder.6.conv.0", x));
    x = builder.Add("e.encoder.7.act", new Swish(), Conv(builder, "e.encoder.7.conv", x, c, 40, 7, padding: 3));
    x = Conv(builder, "classes", x, 40, 5, 1);
    var output = builder.Add("frames", new Transpose { Permutation = [0, 2, 1] }, x);
    var probe = builder.Build();
    return new ModelGraph(probe.Name, probe.Inputs, probe.Nodes, [new GraphValue(output, probe.Shapes[output])], probe.Weights);
}

static string Conv(GraphBuilder builder, string name, string x, int inChannels, int outChannels, int kernel, int stride = 1, int padding = 0,
    int dilation = 1, int groups = 1)
{
    builder.Weight($"{name}.weight", new WeightTensor([outChannels, inChannels / groups, kernel], new float[outChannels * inChannels / groups * kernel]));
    builder.Weight($"{name}.bias", new WeightTensor([outChannels], new float[outChannels]));
    return builder.Add(name, new Conv1d
    {
        InChannels = inChannels, OutChannels = outChannels, KernelSize = kernel, Stride = stride, Padding = padding, Dilation = dilation,
        Groups = groups, Weight = $"{name}.weight", Bias = $"{name}.bias",
    }, x);
}
