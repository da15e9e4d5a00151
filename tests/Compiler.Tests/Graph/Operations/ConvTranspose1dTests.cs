using Dipper.Compiler.Export;
using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Execution;
using Dipper.Compiler.Graph.Lowered;
using Dipper.Compiler.Graph.Operations;
using Dipper.Compiler.Import;
using Dipper.Compiler.Tests.Quantisation;
using Xunit.Abstractions;

namespace Dipper.Compiler.Tests.Graph.Operations;

/// <summary>
/// The transposed convolution through every form the compiler writes it in: the float executor against ONNX Runtime
/// (ConvTranspose, 1-D and on the height-1 image), the float and int8 TFLite runtime (TRANSPOSE_CONV) and the QDQ
/// ONNX model; a stride-3 convolution down and a stride-3 transposed convolution up, as in an S2D block.
/// </summary>
public class ConvTranspose1dTests(ITestOutputHelper log)
{
    private const string Output = "to_time_major";

    public static TheoryData<string> Cuts => ["valid", "same"];

    /// <summary>signal → 3-tap conv to 4 channels → stride-3 conv to 8 → relu → transposed stride-3 conv back to 4 (VALID: k 3, SAME: k 5, cut 1).</summary>
    private static ModelGraph Graph(string cut) => SmallGraphs.Build(23, (g, x) =>
    {
        var down = g.Node("relu", new Relu(), g.Conv(g.Conv(x, 1, 4, 3), 4, 8, 3, stride: 3, padding: 0));
        return cut == "valid" ? g.ConvTranspose(down, 8, 4, 3, stride: 3) : g.ConvTranspose(down, 8, 4, 5, stride: 3, padding: 1);
    });

    [Fact]
    public void Output_length_is_pytorchs_and_a_wrong_weight_shape_is_refused()
    {
        var op = new ConvTranspose1d { InChannels = 8, OutChannels = 4, KernelSize = 5, Stride = 3, Padding = 1, Weight = "w" };
        // PyTorch: (L − 1)·s − 2p + k.
        Assert.Equal(19 * 3 - 2 + 5, op.OutputLength(20));
        var error = Assert.Throws<GraphException>(() =>
            op.InferShape([new TensorShape(1, 8, 20)], _ => new WeightTensor([4, 8, 5], new float[160])));
        Assert.Contains("(8, 4, 5)", error.Message);
    }

    [Theory]
    [MemberData(nameof(Cuts))]
    public void Onnx_runtime_and_float_tflite_compute_what_the_float_executor_computes(string cut)
    {
        var graph = Graph(cut);
        var signal = SmallGraphs.Signal(5);
        var expected = new FloatExecutor(graph).Run(new FloatTensor([SmallGraphs.Batch, 1, SmallGraphs.Samples], signal));
        Assert.Equal([SmallGraphs.Batch, SmallGraphs.Samples, 4], expected.Shape);

        var (onnx2d, shape) = TestData.RunOnnx(OnnxExporter.Export(graph), signal, SmallGraphs.Batch, SmallGraphs.Samples, output: Output);
        var (onnx1d, _) = TestData.RunOnnx(OnnxExporter.Export(graph, convolutionsAs2d: false), signal, SmallGraphs.Batch, SmallGraphs.Samples, output: Output);
        var (lowered, _) = SmallGraphs.Quantise(graph);
        var tflite = TfliteRunner.Run<float, float>(TfliteExporter.Export(lowered), signal);

        Assert.Equal(expected.Shape, shape);
        Assert.Equal(expected.Shape, tflite.OutputShape);
        Assert.Contains(lowered.Operators, o => o.Kind == LoweredOpKind.TransposeConv
            && o.Padding == (cut == "valid" ? ConvPadding.Valid : ConvPadding.Same));
        var differences = (Onnx2d: TestData.MaxAbsDifference(expected.Values, onnx2d), Onnx1d: TestData.MaxAbsDifference(expected.Values, onnx1d),
            Tflite: TestData.MaxAbsDifference(expected.Values, tflite.Output));
        log.WriteLine($"max |Δ| from the float executor: ONNX 2-D {differences.Onnx2d:E2}, ONNX 1-D {differences.Onnx1d:E2}, TFLite {differences.Tflite:E2}");
        Assert.True(differences.Onnx2d < 1e-4 && differences.Onnx1d < 1e-4 && differences.Tflite < 1e-4, differences.ToString());
    }

    [Fact]
    public void Onnx_export_reads_back_as_the_same_graph()
    {
        var graph = Graph("same");

        var back = OnnxImporter.Import(OnnxExporter.Export(graph), "small.onnx");

        var transposed = Assert.Single(back.Nodes, n => n.Operation is ConvTranspose1d);
        Assert.Equal(graph.Nodes.Single(n => n.Operation is ConvTranspose1d).Operation, transposed.Operation);
        var weight = ((ConvTranspose1d)transposed.Operation).Weight;
        Assert.Equal(graph.Weights[weight].Values.ToArray(), back.Weights[weight].Values.ToArray());
        Assert.Equal(graph.Weights[weight].Shape, back.Weights[weight].Shape);
    }

    [Theory]
    [MemberData(nameof(Cuts))]
    public void Int8_tflite_and_qdq_onnx_stay_within_int8_tolerance_of_the_float_executor(string cut)
    {
        var graph = Graph(cut);
        var (lowered, int8) = SmallGraphs.Quantise(graph);
        var signal = SmallGraphs.Signal(9);
        var expected = new FloatExecutor(graph).Run(new FloatTensor([SmallGraphs.Batch, 1, SmallGraphs.Samples], signal));

        var runtime = TfliteRunner.Run<sbyte, sbyte>(TfliteExporter.Export(int8), signal.Select(SmallGraphs.InputParameters.Quantise).ToArray());
        var (qdq, _) = TestData.RunOnnx(OnnxQdqExporter.Export(graph, int8), signal, SmallGraphs.Batch, SmallGraphs.Samples, output: Output);

        var output = int8.OutputTensor.Quantisation!.Parameters;
        var errors = runtime.Output.Select((q, i) => Math.Abs(output.Dequantise(q) - expected.Values[i]) / output.Scale).ToArray();
        // The QDQ model holds the same integers; ONNX Runtime's fused kernels requantise in float and round ties to even,
        // so a layer may be one step off, and the layer after it carries that on.
        var qdqSteps = runtime.Output.Select((q, i) => (double)Math.Abs(output.Dequantise(q) - qdq[i]) / output.Scale).ToArray();
        log.WriteLine($"int8 TFLite against float: mean {errors.Average():0.000}, max {errors.Max():0.00} output steps; " +
            $"QDQ ONNX against int8 TFLite: mean {qdqSteps.Average():0.000}, max {qdqSteps.Max():0.00} steps");
        // Four quantised layers: a few steps at worst, well under one on average.
        Assert.True(errors.Average() < 1, $"mean error {errors.Average():0.000} output steps");
        Assert.True(errors.Max() < 6, $"max error {errors.Max():0.00} output steps");
        Assert.True(qdqSteps.Max() <= 2.001 && qdqSteps.Average() < 0.25,
            $"QDQ ONNX is {qdqSteps.Average():0.000} steps (max {qdqSteps.Max():0.00}) from the int8 TFLite model");
    }
}
