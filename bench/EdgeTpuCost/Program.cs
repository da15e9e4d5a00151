// The Edge TPU cost model's estimate (not a measurement: there is no Edge TPU here) of a default-model-shaped network
// in its dense (depthwise-separable) and its KSeparable form, over channel counts: where the rewrite pays and where not.
// Layout as models/sbonito: stem conv k9 stride 3, 26 separable k11 convolutions each followed by swish (σ and ×), a
// conv to 40 channels k7 and a 1×1 to 5 classes; batch 8 × 1800 samples (600 frames), int8.
// KERNEL (default 11, the default model's) sets the separable kernel; the KSeparable form has K′/3 depthwise taps, K′ the
// next odd multiple of 3, as `--factorize ksep` builds it.
// Usage: [KERNEL=K] dotnet run -c Release --project bench/EdgeTpuCost [-- CHANNELS...]   (prints TSV: channels, block and model µs)
using System.Globalization;
using Dipper.Compiler.Costing;
using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Lowered;
using Dipper.Compiler.Graph.Operations;
using Dipper.Compiler.Passes;

var channels = args.Length > 0 ? args.Select(int.Parse).ToArray() : [64, 80, 96, 128, 160, 192, 256, 320];
const int Batch = 8, Samples = 1800, Blocks = 26;
var kernel = int.Parse(Environment.GetEnvironmentVariable("KERNEL") ?? "11", CultureInfo.InvariantCulture);
var ksepTaps = kernel;
while (ksepTaps % 3 != 0 || ksepTaps % 2 == 0) ksepTaps++;
var inv = CultureInfo.InvariantCulture;
Console.WriteLine("channels\tdense_block_us\tksep_block_us\tblock_ratio\tdense_model_us\tksep_model_us\tmodel_ratio\tdense_samples_per_s\tksep_samples_per_s");
foreach (var c in channels)
{
    var dense = EdgeTpuCostModel.Estimate(Network(c, kernel, ksepTaps, ksep: false));
    var ksep = EdgeTpuCostModel.Estimate(Network(c, kernel, ksepTaps, ksep: true));
    double Block(ModelCostEstimate e, string prefix) => e.Operators.Where(o => o.Name.StartsWith(prefix, StringComparison.Ordinal)).Sum(o => o.Microseconds);
    var (db, kb) = (Block(dense, "block0."), Block(ksep, "block0."));
    Console.WriteLine(string.Create(inv,
        $"{c}\t{db:0.0}\t{kb:0.0}\t{kb / db:0.000}\t{dense.Microseconds:0}\t{ksep.Microseconds:0}\t{ksep.Microseconds / dense.Microseconds:0.000}\t{dense.SamplesPerSecond:0}\t{ksep.SamplesPerSecond:0}"));
}

static LoweredGraph Network(int c, int kernel, int ksepTaps, bool ksep)
{
    var builder = new GraphBuilder("network");
    var x = builder.Input("signal", new TensorShape(Dim.Named("batch"), 1, Dim.Named("samples")));
    x = Conv(builder, "stem", x, 1, c, 9, stride: 3, padding: 4);
    for (var b = 0; b < Blocks; b++)
    {
        var p = $"block{b}.";
        x = ksep
            ? Conv(builder, p + "dw", Conv(builder, p + "dense", x, c, c, 3, padding: 1), c, c, ksepTaps / 3, padding: 3 * (ksepTaps / 3 - 1) / 2, dilation: 3, groups: c)
            : Conv(builder, p + "pw", Conv(builder, p + "dw", x, c, c, kernel, padding: kernel / 2, groups: c), c, c, 1);
        x = builder.Add(p + "swish", new Mul(), x, builder.Add(p + "sigmoid", new Logistic(), x));
    }
    x = Conv(builder, "head", x, c, 40, 7, padding: 3);
    x = Conv(builder, "classes", x, 40, 5, 1);
    var output = builder.Add("frames", new Transpose { Permutation = [0, 2, 1] }, x);
    var probe = builder.Build();
    return LowerToNhwc.Apply(new ModelGraph(probe.Name, probe.Inputs, probe.Nodes, [new GraphValue(output, probe.Shapes[output])], probe.Weights), Batch, Samples);
}

static string Conv(GraphBuilder builder, string name, string x, int inChannels, int outChannels, int kernel, int stride = 1, int padding = 0,
    int dilation = 1, int groups = 1)
{
    builder.Weight($"{name}.weight", new WeightTensor([outChannels, inChannels / groups, kernel], new float[outChannels * inChannels / groups * kernel]));
    return builder.Add(name, new Conv1d
    {
        InChannels = inChannels, OutChannels = outChannels, KernelSize = kernel, Stride = stride, Padding = padding, Dilation = dilation,
        Groups = groups, Weight = $"{name}.weight",
    }, x);
}
