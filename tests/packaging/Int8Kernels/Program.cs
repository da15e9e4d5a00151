using System.Globalization;
using System.Runtime.InteropServices;
using Dipper.Compiler.Export;
using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Operations;
using Dipper.Compiler.Quantisation;
using Dipper.Compiler.Tests.Quantisation;
using Dipper.Tpu.Lite;

// Int8Kernels [MODEL.tflite OUT.int8]
// For each small graph of Int8ReferenceTests (one kernel each, random weights, quantised as dipper compile does):
// how many int8 outputs of the loaded TFLite library equal the managed reference with CONV_2D's requantisation
// as x86-64 computes it (Upward), as TFLite's reference kernels do (AwayFromZero) and as arm64 does
// (TruncatedHighMultiplyUpward), and the largest difference in steps of each. With MODEL and OUT: also runs that int8 model on 8 signal-like chunks and writes its raw
// int8 output to OUT, for comparing two architectures byte by byte.
var inv = CultureInfo.InvariantCulture;
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
    // The model's input is int8 [8, 1800, 1] at scale 1/51 (±2.5 after normalisation): signal-like chunks quantised so.
    var model = File.ReadAllBytes(args[0]);
    var parameters = QuantisationParameters.ForRange(-2.5f, 2.5f);
    var input = SmallGraphs.Signal(42, 8, 1800).Select(parameters.Quantise).ToArray();
    var output = Run(model, input);
    File.WriteAllBytes(args[1], MemoryMarshal.AsBytes(output.AsSpan()).ToArray());
    Console.WriteLine($"# {args[0]}: {output.Length} int8 outputs written to {args[1]}");
}
return 0;

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
