using Dipper.Compiler.Export;
using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Operations;
using Dipper.Compiler.Quantisation;
using Xunit.Abstractions;

namespace Dipper.Compiler.Tests.Quantisation;

/// <summary>
/// The managed int8 reference against the real TFLite runtime on small exported graphs: both must
/// give the same int8 outputs (at most one step apart, where TFLite's optimised kernels round
/// differently), from the quantisation parameters the exporter wrote.
/// </summary>
public class Int8ReferenceTests(ITestOutputHelper log)
{
    public static TheoryData<string> Graphs => ["conv", "strided-conv", "depthwise", "dilated-depthwise", "add", "logistic", "swish", "relu", "relu6",
        "transposed-conv", "transposed-conv-same"];

    private static ModelGraph Graph(string name) => SmallGraphs.Build(7, (g, x) => name switch
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
        // Down by 3 and back up: TRANSPOSE_CONV VALID without a bias (the S2D block's), and SAME (cutting 1 frame each end) with one.
        "transposed-conv" => g.ConvTranspose(g.Node("relu", new Relu(), g.Conv(x, 1, 8, 3, stride: 3, padding: 0)), 8, 4, 3, stride: 3, bias: false),
        "transposed-conv-same" => g.ConvTranspose(g.Node("relu", new Relu(), g.Conv(x, 1, 8, 3, stride: 3, padding: 0)), 8, 4, 5, stride: 3, padding: 1),
        _ => throw new ArgumentException(name),
    });

    private static string Swish(SmallGraphs g, string x) => g.Node("swish", new Mul(), x, g.Node("swish.sigmoid", new Logistic(), x));

    [Theory]
    [MemberData(nameof(Graphs))]
    public void Tflite_runtime_gives_the_int8_reference_outputs_bit_for_bit(string name)
    {
        var (_, int8) = SmallGraphs.Quantise(Graph(name));
        var input = SmallGraphs.Signal(1).Select(SmallGraphs.InputParameters.Quantise).ToArray();

        var runtime = TfliteRunner.Run<sbyte, sbyte>(TfliteExporter.Export(int8), input);
        var reference = new Int8Reference(int8).Run(input);

        Assert.Equal(int8.OutputTensor.Shape, runtime.OutputShape);
        Assert.Equal(reference, runtime.Output);
    }

    /// <summary>Graphs ending in the operators whose rounding differs; after σ a one-step difference is amplified by its slope.</summary>
    public static TheoryData<string> LinearGraphs => ["conv", "strided-conv", "depthwise", "dilated-depthwise", "add", "transposed-conv", "transposed-conv-same"];

    [Theory]
    [MemberData(nameof(LinearGraphs))]
    public void Reference_kernel_rounding_stays_within_one_step_of_the_runtime(string name)
    {
        var (_, int8) = SmallGraphs.Quantise(Graph(name));
        var input = SmallGraphs.Signal(2).Select(SmallGraphs.InputParameters.Quantise).ToArray();

        var runtime = TfliteRunner.Run<sbyte, sbyte>(TfliteExporter.Export(int8), input);
        var reference = new Int8Reference(int8, TieRounding.AwayFromZero).Run(input);

        var differences = runtime.Output.Zip(reference, (a, b) => Math.Abs(a - b)).ToArray();
        log.WriteLine($"{name}: {differences.Count(d => d == 0)}/{differences.Length} equal, max difference {differences.Max()} steps");
        // Ties rounded the other way in one layer move a value by one step; later layers may carry it one more.
        Assert.True(differences.Max() <= (name is "conv" or "strided-conv" ? 1 : 2), $"max difference {differences.Max()} steps");
        Assert.True(differences.Count(d => d != 0) <= differences.Length / 50, $"{differences.Count(d => d != 0)} values differ");
    }

    [Theory]
    [MemberData(nameof(Graphs))]
    public void Quantisation_read_back_from_the_interpreter_is_what_was_written(string name)
    {
        var (_, int8) = SmallGraphs.Quantise(Graph(name));

        var runtime = TfliteRunner.Run<sbyte, sbyte>(TfliteExporter.Export(int8), new sbyte[int8.InputTensor.ElementCount]);

        var (input, output) = (int8.InputTensor.Quantisation!.Parameters, int8.OutputTensor.Quantisation!.Parameters);
        Assert.Equal(input.Scale, runtime.InputQuantisation.Scale);
        Assert.Equal(input.ZeroPoint, runtime.InputQuantisation.ZeroPoint);
        Assert.Equal(output.Scale, runtime.OutputQuantisation.Scale);
        Assert.Equal(output.ZeroPoint, runtime.OutputQuantisation.ZeroPoint);
    }

    [Fact]
    public void Log_softmax_of_the_runtime_is_within_one_step_of_the_exact_one_on_its_fixed_grid()
    {
        var graph = SmallGraphs.Build(11, (g, x) => g.Conv(g.Conv(x, 1, 8, 3), 8, 5, 1), logSoftmax: true);
        var (_, int8) = SmallGraphs.Quantise(graph);
        var input = SmallGraphs.Signal(4).Select(SmallGraphs.InputParameters.Quantise).ToArray();

        var runtime = TfliteRunner.Run<sbyte, sbyte>(TfliteExporter.Export(int8), input);
        var reference = new Int8Reference(int8).Run(input);

        Assert.Equal(Int8Quantiser.LogSoftmaxOutput.Scale, runtime.OutputQuantisation.Scale);
        Assert.Equal(Int8Quantiser.LogSoftmaxOutput.ZeroPoint, runtime.OutputQuantisation.ZeroPoint);
        var differences = runtime.Output.Zip(reference, (a, b) => Math.Abs(a - b)).ToArray();
        log.WriteLine($"log-softmax: {differences.Count(d => d == 0)}/{differences.Length} equal, max difference {differences.Max()} steps");
        Assert.True(differences.Max() <= 1, $"max difference {differences.Max()} steps");
    }

    [Fact]
    public void Float_tflite_export_computes_what_the_float_graph_computes()
    {
        var graph = Graph("swish");
        var (lowered, _) = SmallGraphs.Quantise(graph);
        var signal = SmallGraphs.Signal(3);

        var runtime = TfliteRunner.Run<float, float>(TfliteExporter.Export(lowered), signal);
        var expected = new Dipper.Compiler.Graph.Execution.FloatExecutor(graph)
            .Run(new Dipper.Compiler.Graph.Execution.FloatTensor([SmallGraphs.Batch, 1, SmallGraphs.Samples], signal));

        Assert.Equal(expected.Values.Length, runtime.Output.Length);
        Assert.True(TestData.MaxAbsDifference(expected.Values, runtime.Output) <= 1e-5);
    }
}
