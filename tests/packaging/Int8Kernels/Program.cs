using System.Globalization;
using System.Runtime.InteropServices;
using Dipper.Compiler.Export;
using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Lowered;
using Dipper.Compiler.Graph.Operations;
using Dipper.Compiler.Import;
using Dipper.Compiler.Quantisation;
using Dipper.Compiler.Tests.Quantisation;
using Dipper.Tpu.Lite;

// Int8Kernels [MODEL.tflite OUT.int8]
// For each small graph of Int8ReferenceTests (one kernel each, random weights, quantised as dipper compile does):
// how many int8 outputs of the loaded TFLite library equal the managed reference with CONV_2D's requantisation
// as x86-64 computes it (Upward), as TFLite's reference kernels do (AwayFromZero) and as arm64 does
// (TruncatedHighMultiplyUpward), and the largest difference in steps of each. With MODEL and OUT: also runs that int8 model on 8 signal-like chunks and writes its raw
// int8 output to OUT, for comparing two architectures byte by byte.
//
// Int8Kernels --reference MODEL.tflite OUT_PREFIX
// The same 8 chunks through the managed reference (the model read back by TfliteImporter), with x86-64's and with
// arm64's CONV_2D requantisation: OUT_PREFIX.x86-64.int8 and OUT_PREFIX.arm64.int8. Run natively: it is plain
// managed integer code, the same on any machine, and under emulation it would take hours.
//
// Int8Kernels --compare A.int8 B.int8 CLASSES
// Two raw int8 outputs of [frames, CLASSES]: values equal, differences by size, largest, and frames whose most
// likely class is the same.
var inv = CultureInfo.InvariantCulture;
if (args is ["--reference", var modelPath, var prefix])
{
    var graph = TfliteImporter.Read(modelPath);
    var chunks = ModelChunks();
    foreach (var (suffix, ties) in new[] { ("x86-64", TieRounding.Upward), ("arm64", TieRounding.TruncatedHighMultiplyUpward) })
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        var output = new Int8Reference(graph, ties).Run(chunks);
        File.WriteAllBytes($"{prefix}.{suffix}.int8", MemoryMarshal.AsBytes(output.AsSpan()).ToArray());
        Console.WriteLine(string.Create(inv, $"# {modelPath}: managed reference, {ties}: {output.Length} int8 outputs written to {prefix}.{suffix}.int8 ({started.Elapsed.TotalSeconds:F1} s)"));
    }
    return 0;
}
if (args is ["--cut", var cutModel, var cutDir])
{
    // The model cut after each operator (that operator's output made the graph's): op{index}.tflite in cutDir.
    // Written natively: under qemu the FlatBuffers builder's copy dies of an access violation.
    var graph = TfliteImporter.Read(cutModel);
    Directory.CreateDirectory(cutDir);
    for (var k = 0; k < graph.Operators.Count; k++)
    {
        var cut = new LoweredGraph(graph.Name, graph.Tensors, graph.Operators.Take(k + 1).ToArray(), graph.Input, graph.Operators[k].Output,
            graph.Batch, graph.Samples, graph.OutputIsLogits);
        File.WriteAllBytes(Path.Combine(cutDir, $"op{k}.tflite"), TfliteExporter.Export(cut));
    }
    Console.WriteLine($"# {graph.Operators.Count} cut models written to {cutDir}");
    return 0;
}
if (args is ["--layers", var cutsDir])
{
    // Every cut model of --cut run by the loaded runtime on the same 8 chunks: op{index}.int8 beside it.
    var models = Directory.GetFiles(cutsDir, "op*.tflite");
    foreach (var path in models)
    {
        var values = Run(File.ReadAllBytes(path), ModelChunks());
        File.WriteAllBytes(Path.ChangeExtension(path, ".int8"), MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
    }
    Console.WriteLine($"# {models.Length} operators' outputs written to {cutsDir}");
    return 0;
}
if (args is ["--reference-layers", var refModel, var layersDir, var tiesName])
{
    // The managed reference's output of every operator against the files --layers wrote: the first that differs is
    // where the runtime computes something else.
    var graph = TfliteImporter.Read(refModel);
    var ties = Enum.Parse<TieRounding>(tiesName);
    var index = graph.Operators.Select((op, k) => (op.Output, k)).ToDictionary(p => p.Output, p => p.k);
    new Int8Reference(graph, ties).Run(ModelChunks(), (tensor, values) =>
    {
        var k = index[tensor];
        var op = graph.Operators[k];
        var file = Path.Combine(layersDir, $"op{k}.int8");
        if (!File.Exists(file)) return;
        var runtime = MemoryMarshal.Cast<byte, sbyte>(File.ReadAllBytes(file)).ToArray();
        var input = graph.Tensors[op.Inputs[0]];
        Console.WriteLine(string.Create(inv,
            $"op{k}\t{op.Kind}\t{op.Name}\tin {input.ShapeText} out {graph.Tensors[op.Output].ShapeText} stride {op.Stride} dilation {op.Dilation}\tequal {Equal(runtime, values)}/{values.Length}\tlargest {Max(runtime, values)}"));
    });
    return 0;
}
if (args is ["--compare", var first, var second, var classText])
{
    var a = MemoryMarshal.Cast<byte, sbyte>(File.ReadAllBytes(first)).ToArray();
    var b = MemoryMarshal.Cast<byte, sbyte>(File.ReadAllBytes(second)).ToArray();
    var classes = int.Parse(classText, inv);
    if (a.Length != b.Length || a.Length % classes != 0)
    {
        Console.Error.WriteLine($"{first} ({a.Length} values) and {second} ({b.Length}) are not the same whole frames of {classes} classes");
        return 2;
    }
    var bySize = a.Zip(b).GroupBy(p => Math.Abs(p.First - p.Second)).OrderBy(g => g.Key).Select(g => $"{g.Key}: {g.Count()}");
    var frames = a.Length / classes;
    var sameClass = Enumerable.Range(0, frames).Count(f => ArgMax(a.AsSpan(f * classes, classes)) == ArgMax(b.AsSpan(f * classes, classes)));
    Console.WriteLine(string.Create(inv, $"values\t{a.Length}\tequal\t{Equal(a, b)}\tlargest\t{Max(a, b)}"));
    Console.WriteLine($"by size\t{string.Join(", ", bySize)}");
    Console.WriteLine(string.Create(inv, $"frames\t{frames}\tsame most likely class\t{sameClass}"));
    return 0;
}
Console.WriteLine($"# {RuntimeInformation.ProcessArchitecture}, TFLite {TfliteRuntime.Version}");
Console.WriteLine("graph\tvalues\tequal_upward\tmax_upward\tequal_away\tmax_away\tequal_arm64\tmax_arm64");
string[] graphs = ["conv", "strided-conv", "depthwise", "dilated-depthwise", "add", "logistic", "swish", "relu", "relu6", "log-softmax"];
foreach (var name in graphs)
{
    var graph = name == "log-softmax"
        ? SmallGraphs.Build(11, (g, x) => g.Conv(g.Conv(x, 1, 8, 3), 8, 5, 1), logSoftmax: true)
        : SmallGraphs.Build(7, (g, x) => Body(g, x, name));
    var (_, int8) = SmallGraphs.Quantise(graph);
    foreach (var seed in new[] { 1, 2 })
    {
        var input = SmallGraphs.Signal(seed).Select(SmallGraphs.InputParameters.Quantise).ToArray();
        var runtime = Run(TfliteExporter.Export(int8), input);
        var upward = new Int8Reference(int8, TieRounding.Upward).Run(input);
        var away = new Int8Reference(int8, TieRounding.AwayFromZero).Run(input);
        var trunc = new Int8Reference(int8, TieRounding.TruncatedHighMultiplyUpward).Run(input);
        Console.WriteLine(string.Create(inv,
            $"{name}/signal{seed}\t{runtime.Length}\t{Equal(runtime, upward)}\t{Max(runtime, upward)}\t{Equal(runtime, away)}\t{Max(runtime, away)}\t{Equal(runtime, trunc)}\t{Max(runtime, trunc)}"));
    }
}

if (args.Length == 2)
{
    var model = File.ReadAllBytes(args[0]);
    var output = Run(model, ModelChunks());
    File.WriteAllBytes(args[1], MemoryMarshal.AsBytes(output.AsSpan()).ToArray());
    Console.WriteLine($"# {args[0]}: {output.Length} int8 outputs written to {args[1]}");
}
return 0;

// The model's input is int8 [8, 1800, 1] at scale 1/51 (±2.5 after normalisation): signal-like chunks quantised so.
static sbyte[] ModelChunks()
{
    var parameters = QuantisationParameters.ForRange(-2.5f, 2.5f);
    return SmallGraphs.Signal(42, 8, 1800).Select(parameters.Quantise).ToArray();
}

static int ArgMax(ReadOnlySpan<sbyte> row)
{
    var best = 0;
    for (var c = 1; c < row.Length; c++)
    {
        if (row[c] > row[best]) best = c;
    }
    return best;
}

static string Body(SmallGraphs g, string x, string name) => name switch
{
    "conv" => g.Conv(x, 1, 4, 5),
    "strided-conv" => g.Conv(x, 1, 8, 9, stride: 3, padding: 4),
    "depthwise" => g.Conv(g.Conv(x, 1, 6, 3), 6, 6, 11, depthwise: true, bias: false),
    "dilated-depthwise" => g.Conv(g.Conv(x, 1, 6, 3), 6, 6, 3, dilation: 3, depthwise: true),
    "add" => g.Node("sum", new Add(), g.Conv(x, 1, 4, 3), g.Conv(x, 1, 4, 1)),
    "logistic" => g.Node("sigmoid", new Logistic(), g.Conv(x, 1, 4, 3)),
    "swish" => Swish(g, g.Conv(g.Conv(x, 1, 5, 3), 5, 5, 1)),
    "relu" => g.Node("relu", new Relu(), g.Conv(x, 1, 4, 3)),
    "relu6" => g.Node("relu6", new Relu6(), g.Conv(x, 1, 4, 3)),
    _ => throw new ArgumentException(name),
};

static string Swish(SmallGraphs g, string x) => g.Node("swish", new Mul(), x, g.Node("swish.sigmoid", new Logistic(), x));

static sbyte[] Run(byte[] model, sbyte[] input)
{
    using var loaded = TfliteModel.FromBytes(model, "kernel graph");
    using var interpreter = new TfliteInterpreter(loaded, new TfliteInterpreterOptions { Threads = 1 });
    interpreter.AllocateTensors();
    interpreter.Inputs[0].CopyFrom<sbyte>(input);
    interpreter.Invoke();
    var output = interpreter.Outputs[0];
    var values = new sbyte[output.Shape.Aggregate(1, (a, d) => a * d)];
    output.CopyTo<sbyte>(values);
    return values;
}

static int Equal(sbyte[] a, sbyte[] b) => a.Zip(b).Count(p => p.First == p.Second);

static int Max(sbyte[] a, sbyte[] b) => a.Zip(b).Max(p => Math.Abs(p.First - p.Second));
