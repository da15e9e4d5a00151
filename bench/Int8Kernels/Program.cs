using System.Globalization;
using System.Runtime.Intrinsics;
using Dipper.Basecaller.Inference.Int8;
using Dipper.Bench.Int8Kernels;
using Dipper.Compiler.Numerics;
using Dipper.Compiler.Passes.Compression;

// Int8Kernels [--chunks N] [--frames N] [--layers N] [--repeats N] [--op-mix MODEL.onnx] [--int8-package DIR]
// The 80 → 80 1×1 convolution of the default model over a batch of chunks (default 32 chunks × 600 frames, a chain
// of 5 layers), as ONNX Runtime float (the baseline, 1 thread) and as our AVX-VNNI int8 kernel (1 thread), each
// the best of N passes by process CPU time, then the depthwise k11 layer the same way (reported, not a target).
// Also reported: this core's measured float32 peak and float kernels of our own for both layers (a float engine's case),
// and a float 1x1 kernel that skips the zeros of pruned layers (50 % and 70 %) against ONNX Runtime on the same layers.
// Prints multiply-adds per CPU-second of both and their ratio, and the
// target (1.5x: the issue's rule for writing kernels of our own); exits 1 when it is missed.
// --op-mix MODEL.onnx also profiles the whole model under ONNX Runtime, bounds an int8 engine by Amdahl's law and
// gives the model's float ceiling (its multiply-adds per chunk sample at this core's measured peak).
// --int8-package DIR (a package of dipper compile --target cpu) times its int8 model's depthwise layers on ONNX Runtime's
// QLinearConv (the baseline) and on Dipper's depthwise kernel, each layer alone and then the whole model (target: the
// layers 1.5x, the same bytes out). Without AVX-VNNI the 1x1 int8 kernel is not measured (reported, and the bench fails);
// the float figures are measured all the same.
var inv = CultureInfo.InvariantCulture;
int Option(string name, int fallback) => Array.IndexOf(args, name) is var i and >= 0 ? int.Parse(args[i + 1], inv) : fallback;
var chunks = Option("--chunks", 32);
var frames = Option("--frames", 600);
var layerCount = Option("--layers", 5);
var repeats = Option("--repeats", 9);
var times = Option("--times", 40);
const int Channels = 80;
const double Target = 1.5;

var random = new Random(15);
// A float kernel that is fast but wrong counts for nothing: a check off by more than this fails the bench.
const double FloatTolerance = 1e-4;
var floatKernelsRight = true;
var ratio = double.NaN;
var floatPeak = double.NaN;
// ONNX Runtime's float 1x1 layers are measured on every CPU: they are the baseline of the int8 kernel (which needs
// AVX-VNNI) and of the float ceiling below (which needs only AVX-512 F), so a core without AVX-VNNI still reports the
// float ceiling.
var layers = Enumerable.Range(0, layerCount).Select(_ => new PointwiseLayer(Channels, Channels, random)).ToList();
var macs = (double)chunks * frames * layerCount * Channels * Channels;

using var onnx = new OnnxConvolutionChain(Channels, 1, false, layers.Select(l => (l.Weights, l.Bias)).ToList(), chunks, frames, random);
var onnxSeconds = CpuTimer.BestOf(repeats, times, onnx.Run);
var onnxRate = macs / onnxSeconds;
Console.WriteLine(string.Create(inv, $"1x1 convolution {Channels} -> {Channels}, {chunks} chunks x {frames} frames, {layerCount} layers, best of {repeats} x {times} passes (1 thread, process CPU time)"));
Console.WriteLine(string.Create(inv, $"{"path",-34} {"CPU s",8} {"G multiply-adds per CPU-s",26}"));
Console.WriteLine(string.Create(inv, $"{"ONNX Runtime float (baseline)",-34} {onnxSeconds,8:F4} {onnxRate / 1e9,26:F1}"));
if (!PointwiseConvolution.IsSupported)
    Console.WriteLine("our int8 kernel: not measured: this CPU lacks AVX-VNNI or AVX-512 F (or .NET does not see them), which it needs");
else
{
    var kernels = layers.Select(l => l.Quantised()).ToList();
    var ping = new byte[chunks * frames * Channels];
    var pong = new byte[ping.Length];
    random.NextBytes(ping);
    var int8Seconds = CpuTimer.BestOf(repeats, times, () =>
        LayerChain.Run(ping, pong, chunks, frames * Channels, kernels.Count, (l, a, b) => kernels[l].Run(a, b, frames)));
    var int8Rate = macs / int8Seconds;
    ratio = int8Rate / onnxRate;
    Console.WriteLine(string.Create(inv, $"{"our int8 kernel (AVX-VNNI)",-34} {int8Seconds,8:F4} {int8Rate / 1e9,26:F1}"));
}
// The float ceiling: this core's measured float32 multiply-add peak, and a float 1x1 kernel of our own on the same
// layers, so that "could a float kernel of ours be 1.5x ONNX Runtime?" is answered by measurement (reported).
if (FloatPeak.Is512Supported && FloatPointwise.IsSupported)
{
    var peak512 = FloatPeak.MultiplyAdds512 / CpuTimer.BestOf(repeats, 3, () => FloatPeak.Run512());
    var peak256 = FloatPeak.MultiplyAdds256 / CpuTimer.BestOf(repeats, 3, () => FloatPeak.Run256());
    floatPeak = Math.Max(peak512, peak256);
    var floatKernels = layers.Select(l => new FloatPointwise(l.Weights, l.Bias)).ToList();
    var floatPing = KernelCheck.RandomActivations(random, chunks * frames * Channels);
    var floatPong = new float[floatPing.Length];
    // Checked once against the plain sum on the first chunk and layer.
    floatKernels[0].Run(floatPing.AsSpan(0, frames * Channels), floatPong.AsSpan(0, frames * Channels), frames);
    var worst = KernelCheck.LargestError(floatPong, frames, Channels, (f, o) =>
    {
        double sum = layers[0].Bias[o];
        for (var i = 0; i < Channels; i++) sum += (double)floatPing[f * Channels + i] * layers[0].Weights[o * Channels + i];
        return sum;
    });
    var floatSeconds = CpuTimer.BestOf(repeats, times, () =>
        LayerChain.Run(floatPing, floatPong, chunks, frames * Channels, floatKernels.Count, (l, a, b) => floatKernels[l].Run(a, b, frames)));
    var swishKernels = layers.Select(l => new FloatPointwise(l.Weights, l.Bias, FloatPointwise.Swish.DotNetExp)).ToList();
    var swishSeconds = CpuTimer.BestOf(repeats, times, () =>
        LayerChain.Run(floatPing, floatPong, chunks, frames * Channels, swishKernels.Count, (l, a, b) => swishKernels[l].Run(a, b, frames)));
    var fastKernels = layers.Select(l => new FloatPointwise(l.Weights, l.Bias, FloatPointwise.Swish.Polynomial)).ToList();
    var fastSeconds = CpuTimer.BestOf(repeats, times, () =>
        LayerChain.Run(floatPing, floatPong, chunks, frames * Channels, fastKernels.Count, (l, a, b) => fastKernels[l].Run(a, b, frames)));
    // The polynomial swish against x·σ(x) in double precision over [-20, 20].
    var swishWorst = 0.0;
    for (var i = 0; i < 4096; i++)
    {
        var x = -20 + 40.0 * i / 4095;
        var got = FloatPointwise.PolynomialSwish(Vector512.Create((float)x)).GetElement(0);
        swishWorst = Math.Max(swishWorst, Math.Abs(got - x / (1 + Math.Exp(-x))) / Math.Max(1, Math.Abs(x)));
    }
    floatKernelsRight &= worst <= FloatTolerance && swishWorst <= FloatTolerance;
    Console.WriteLine(string.Create(inv, $"{"our float kernel (AVX-512 F)",-34} {floatSeconds,8:F4} {macs / floatSeconds / 1e9,26:F1}   (largest error against the plain sum {worst:E1})"));
    Console.WriteLine(string.Create(inv, $"{"our float kernel + swish x*sigma(x)",-34} {swishSeconds,8:F4} {macs / swishSeconds / 1e9,26:F1}   (the swish costs {(swishSeconds - floatSeconds) / floatSeconds:P0} of the 1x1's time)"));
    Console.WriteLine(string.Create(inv, $"{"our float kernel + polynomial swish",-34} {fastSeconds,8:F4} {macs / fastSeconds / 1e9,26:F1}   (the swish costs {(fastSeconds - floatSeconds) / floatSeconds:P0} of the 1x1's time; error {swishWorst:E1} of max(1, |x|))"));
    Console.WriteLine(string.Create(inv, $"this core's float32 multiply-add peak, measured: {peak512 / 1e9:F1} G per CPU-s with 512-bit vectors, {peak256 / 1e9:F1} G with 256-bit"));
    Console.WriteLine(string.Create(inv, $"float 1x1: ONNX Runtime at {onnxRate / peak512:P0} of that peak, our float kernel at {macs / floatSeconds / peak512:P0}: {onnxSeconds / floatSeconds:F2}x ONNX Runtime (reported; 1.5x is the bar for kernels of our own)"));
}
if (Array.IndexOf(args, "--op-mix") is var at and >= 0)
{
    // The whole model under ONNX Runtime: which share of its time the 1x1 convolutions are, and Amdahl's bound.
    const int MixBatch = 32, MixSamples = 1800;
    var (kinds, total) = OpMix.Measure(args[at + 1], MixBatch, MixSamples, Option("--op-mix-runs", 5));
    Console.WriteLine(string.Create(inv, $"{args[at + 1]} under ONNX Runtime float, {MixBatch} x {MixSamples}, 1 thread, its profiler: {total / 1000:F1} ms a batch"));
    foreach (var (kind, micros, nodes) in kinds)
        Console.WriteLine(string.Create(inv, $"  {kind,-40} {nodes,3} nodes {micros / 1000,8:F2} ms {micros / total,7:P1}"));
    var pointwise = kinds.Where(k => k.Kind.Contains("1x1", StringComparison.Ordinal)).ToList();
    var pointwiseMicros = pointwise.Sum(k => k.Microseconds);
    var rest = total - pointwiseMicros;
    // The profiler's node times are wall clock: on a loaded machine only the shares mean something, so the bound is
    // taken from the 1x1 layers' share and the CPU-time ratio measured above.
    Console.WriteLine(string.Create(inv, $"  1x1 convolutions: {pointwiseMicros / total:P1} of the run (wall-clock shares)"));
    if (!double.IsNaN(ratio))
        Console.WriteLine(string.Create(inv, $"  int8 engine, 1x1 layers {ratio:F2}x faster, the rest as fast as ONNX Runtime float: {total / (rest + pointwiseMicros / ratio):F2}x the model (Amdahl)"));
    if (!double.IsNaN(floatPeak))
    {
        // The float ceiling of the whole model: its convolutions' multiply-adds per chunk sample (counted on the graph
        // lowered to 1 x 1800, as the Edge TPU cost model counts them), run at this core's measured float32 peak with
        // nothing else (no swish, BatchNorm, decoder or reading): no float network of this model, a library's or ours,
        // computes more chunk samples per CPU-second than that.
        var graph = Dipper.Compiler.Import.OnnxImporter.Import(File.ReadAllBytes(args[at + 1]), args[at + 1]);
        const int CeilingSamples = 1800;
        var lowered = Dipper.Compiler.Passes.LowerToNhwc.Apply(Dipper.Compiler.Passes.LowerSwish.Apply(Dipper.Compiler.Passes.FoldBatchNorm.Apply(graph)), 1, CeilingSamples);
        var perSample = Dipper.Compiler.Costing.EdgeTpuCostModel.Estimate(lowered).Operators.Sum(o => (double)o.Macs) / CeilingSamples;
        var ceiling = floatPeak / perSample;
        var measured = MixBatch * MixSamples / (total * 1e-6);
        Console.WriteLine(string.Create(inv, $"  float ceiling: {perSample:F0} multiply-adds per chunk sample at this core's peak of {floatPeak / 1e9:F1} G: at most {ceiling / 1e6:F3} M chunk samples per CPU-s a core ({2 * ceiling / 1e6:F3} M on 2 cores); ONNX Runtime measured {measured / 1e6:F3} M (wall clock, profiled), {measured / ceiling:P0} of it"));
    }
}
// The depthwise k11 layer (80 channels) in float: a chain of 5, ONNX Runtime float against a float kernel of ours (reported).
const int Taps = 11;
var depthwiseLayers = Enumerable.Range(0, layerCount).Select(_ => new DepthwiseLayer(Channels, Taps, random)).ToList();
using var onnxDepthwise = new OnnxConvolutionChain(Channels, Taps, true, depthwiseLayers.Select(l => (l.Weights, l.Bias)).ToList(), chunks, frames, random);
var onnxDepthwiseSeconds = CpuTimer.BestOf(repeats, times, onnxDepthwise.Run);
var depthwiseMacs = (double)chunks * frames * layerCount * Channels * Taps;
Console.WriteLine(string.Create(inv, $"depthwise k{Taps} float, {Channels} channels, {chunks} chunks x {frames} frames, {layerCount} layers (multiply-adds {Channels * Taps} a frame)"));
Console.WriteLine(string.Create(inv, $"{"ONNX Runtime float",-34} {onnxDepthwiseSeconds,8:F4} {depthwiseMacs / onnxDepthwiseSeconds / 1e9,26:F1}"));
if (FloatDepthwise.IsSupported)
{
    // A float depthwise kernel of our own on the same layers, checked once against the plain sum (reported).
    var floatDepthwise = depthwiseLayers.Select(l => new FloatDepthwise(l.Weights, l.Bias)).ToList();
    var fa = KernelCheck.RandomActivations(random, chunks * frames * Channels);
    var fb = new float[fa.Length];
    floatDepthwise[0].Run(fa.AsSpan(0, frames * Channels), fb.AsSpan(0, frames * Channels), frames);
    var worst = KernelCheck.LargestError(fb, frames, Channels, (f, c) =>
    {
        double sum = depthwiseLayers[0].Bias[c];
        for (var k = 0; k < Taps; k++)
            if (f + k - Taps / 2 is var s and >= 0 && s < frames) sum += (double)fa[s * Channels + c] * depthwiseLayers[0].Weights[c * Taps + k];
        return sum;
    });
    var floatDepthwiseSeconds = CpuTimer.BestOf(repeats, times, () =>
        LayerChain.Run(fa, fb, chunks, frames * Channels, floatDepthwise.Count, (l, a, b) => floatDepthwise[l].Run(a, b, frames)));
    floatKernelsRight &= worst <= FloatTolerance;
    Console.WriteLine(string.Create(inv, $"{"our float kernel (AVX-512 F)",-34} {floatDepthwiseSeconds,8:F4} {depthwiseMacs / floatDepthwiseSeconds / 1e9,26:F1}   (largest error against the plain sum {worst:E1}; {onnxDepthwiseSeconds / floatDepthwiseSeconds:F2}x ONNX Runtime, reported)"));
}

// Sparse kernels for pruned 1x1 layers (issue cpu-speed, item 3, "if they measure faster"), reported: the same 80 -> 80
// layers with 50 % and 70 % of their weights zero by magnitude (as ADMM and magnitude pruning leave them), ONNX Runtime
// float on them (dense kernels: the baseline, the zeros cost it what any weight costs) against a kernel of ours that
// skips the zeros, and the same kernel with every weight kept (how fast its form is on a dense layer).
if (SparsePointwise.IsSupported)
{
    var denseLayers = Enumerable.Range(0, layerCount).Select(_ => new PointwiseLayer(Channels, Channels, random)).ToList();
    var denseMacs = (double)chunks * frames * layerCount * Channels * Channels;
    Console.WriteLine(string.Create(inv, $"1x1 float {Channels} -> {Channels} with pruned weights, channel-major, {chunks} chunks x {frames} frames, {layerCount} layers, best of {repeats} x {times} passes (1 thread, process CPU time); the rate counts the dense layer's multiply-adds"));
    foreach (var sparsity in new[] { 0.0, 0.5, 0.7 })
    {
        // Pruned as dipper compress --prune magnitude prunes a layer: the smallest |w| of the whole layer zeroed.
        var weights = denseLayers.Select(l => MagnitudePruning.Prune(new Matrix<float>(Channels, Channels, l.Weights), sparsity).AsSpan().ToArray()).ToList();
        using var onnxPruned = new OnnxConvolutionChain(Channels, 1, false, weights.Select((w, l) => (w, denseLayers[l].Bias)).ToList(), chunks, frames, random);
        var onnxPrunedSeconds = CpuTimer.BestOf(repeats, times, onnxPruned.Run);
        var sparse = weights.Select((w, l) => new SparsePointwise(w, denseLayers[l].Bias)).ToList();
        // Fresh activations for each sparsity: the timed chain below writes its layers' outputs back into both buffers.
        var sparseInput = KernelCheck.RandomActivations(random, chunks * frames * Channels);
        var sparseOutput = new float[sparseInput.Length];
        // Checked once against the plain sum on the first chunk and layer (channel-major: channel c, frame t at c * frames + t).
        sparse[0].Run(sparseInput.AsSpan(0, frames * Channels), sparseOutput.AsSpan(0, frames * Channels), frames);
        var worst = KernelCheck.LargestError(sparseOutput, Channels, frames, (o, t) =>
        {
            double sum = denseLayers[0].Bias[o];
            for (var i = 0; i < Channels; i++) sum += (double)sparseInput[i * frames + t] * weights[0][o * Channels + i];
            return sum;
        });
        floatKernelsRight &= worst <= FloatTolerance;
        var sparseSeconds = CpuTimer.BestOf(repeats, times, () =>
            LayerChain.Run(sparseInput, sparseOutput, chunks, frames * Channels, sparse.Count, (l, a, b) => sparse[l].Run(a, b, frames)));
        Console.WriteLine(string.Create(inv, $"  {sparsity,4:P0} zero: {"ONNX Runtime float (baseline)",-30} {onnxPrunedSeconds,8:F4} {denseMacs / onnxPrunedSeconds / 1e9,8:F1}"));
        Console.WriteLine(string.Create(inv, $"  {sparsity,4:P0} zero: {"ours, zeros skipped",-30} {sparseSeconds,8:F4} {denseMacs / sparseSeconds / 1e9,8:F1}   ({sparse.Average(k => k.Nonzeros)} nonzeros a layer; largest error against the plain sum {worst:E1}; {onnxPrunedSeconds / sparseSeconds:F2}x ONNX Runtime, reported)"));
    }
}

// The int8 model's own depthwise layers: ONNX Runtime's QLinearConv against Dipper's kernel (the engine's), like with like.
var depthwiseMet = true;
if (Array.IndexOf(args, "--int8-package") is var packageAt and >= 0)
{
    var package = args[packageAt + 1];
    if (!Dipper.Basecaller.Inference.Int8.DepthwiseConvolution.IsSupported)
    {
        Console.WriteLine("int8 depthwise kernel: not measured: this CPU lacks AVX-512 BW");
        depthwiseMet = false;
    }
    else
    {
        var int8Model = Dipper.Basecaller.Models.ModelPackage.Load(package).OnnxInt8Path ?? throw new ArgumentException($"{package} has no int8 ONNX model");
        var each = Int8DepthwiseComparison.EachLayer(int8Model, chunks, frames, repeats, times / 4);
        var layerRatio = each.Onnx / each.Dipper;
        Console.WriteLine(string.Create(inv, $"int8 depthwise layers of {package}: {each.Layers} layers, {chunks} chunks x {frames} frames each, best of {repeats} x {times / 4} passes (1 thread, process CPU time)"));
        Console.WriteLine(string.Create(inv, $"{"ONNX Runtime QLinearConv (baseline)",-34} {each.Onnx,8:F4} {each.MultiplyAdds / each.Onnx / 1e9,26:F1}"));
        Console.WriteLine(string.Create(inv, $"{"Dipper's kernel (AVX-512 BW)",-34} {each.Dipper,8:F4} {each.MultiplyAdds / each.Dipper / 1e9,26:F1}   (outputs {(each.Identical ? "identical" : "DIFFERENT")})"));
        var whole = Int8DepthwiseComparison.WholeModel(package, 32, repeats, 4);
        Console.WriteLine(string.Create(inv, $"the whole int8 model, 32 chunks a batch: ONNX Runtime's kernels {whole.Onnx * 1e3:F1} ms, {whole.Layers} depthwise layers on Dipper's {whole.Dipper * 1e3:F1} ms: " +
            $"{whole.Onnx / whole.Dipper:F2}x (log-probabilities {(whole.Identical ? "identical" : "DIFFERENT")}; reported)"));
        depthwiseMet = layerRatio >= Target && each.Identical && whole.Identical;
        Console.WriteLine(string.Create(inv, $"== target: Dipper's int8 depthwise kernel >= {Target:F1}x ONNX Runtime's int8 QLinearConv per CPU-second, the same outputs: {layerRatio:F2}x: {(depthwiseMet ? "ok" : "MISSED")}"));
    }
}

var met = ratio >= Target;
Console.WriteLine(string.Create(inv, $"== target: 1x1 int8 kernel >= {Target:F1}x ONNX Runtime float per CPU-second: {(double.IsNaN(ratio) ? "not measured" : $"{ratio:F2}x")}: {(met ? "ok" : "MISSED")}"));
if (!floatKernelsRight) Console.WriteLine(string.Create(inv, $"== a float kernel of our own is off the plain sum by more than {FloatTolerance:E0}: its figures above are void"));
return met && floatKernelsRight && depthwiseMet ? 0 : 1;
