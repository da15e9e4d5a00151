using Dipper.Compiler.Export;
using Dipper.Compiler.Graph.Lowered;
using Dipper.Compiler.Graph.Operations;
using Dipper.Compiler.Import;
using Dipper.Compiler.Quantisation;
using Dipper.Compiler.Tests.Quantisation;

namespace Dipper.Compiler.Tests.Import;

public sealed class TfliteImporterTests
{
    [Fact]
    public void Exported_int8_graph_reads_back_to_the_same_file_and_the_same_reference_outputs()
    {
        var graph = SmallGraphs.Build(7, (g, x) =>
        {
            var y = g.Conv(g.Conv(x, 1, 5, 3), 5, 5, 11, dilation: 2, depthwise: true);
            return g.Node("swish", new Mul(), y, g.Node("swish.sigmoid", new Logistic(), y));
        });
        var (_, int8) = SmallGraphs.Quantise(graph);
        var bytes = TfliteExporter.Export(int8);

        var read = TfliteImporter.Read(bytes, "small.tflite");

        Assert.Equal(bytes, TfliteExporter.Export(read));
        var input = SmallGraphs.Signal(3).Select(SmallGraphs.InputParameters.Quantise).ToArray();
        Assert.Equal(new Int8Reference(int8, TieRounding.TruncatedHighMultiplyUpward).Run(input),
            new Int8Reference(read, TieRounding.TruncatedHighMultiplyUpward).Run(input));
        Assert.Equal((int8.Batch, int8.Samples, int8.Operators.Count), (read.Batch, read.Samples, read.Operators.Count));
    }

    [Fact]
    public void Bundled_int8_model_read_back_runs_in_the_reference_as_the_tflite_runtime_runs_it()
    {
        var path = Path.Combine(TestData.PackageFolder, "model_int8.tflite");

        var read = TfliteImporter.Read(path);

        Assert.Equal((8, 1800, false), (read.Batch, read.Samples, read.OutputIsLogits));
        Assert.Contains(read.Operators, op => op.Kind == LoweredOpKind.LogSoftmax);
        // Eight chunks of real signal (the windows the float reference was computed on, repeated), quantised at the model's input scale.
        var windows = TestData.ReferenceWindows();
        var input = Enumerable.Range(0, 8 * 1800).Select(i => read.InputTensor.Quantisation!.Parameters.Quantise(windows[i % windows.Length])).ToArray();
        var runtime = TfliteRunner.Run<sbyte, sbyte>(File.ReadAllBytes(path), input);
        Assert.Equal(runtime.Output, new Int8Reference(read, TieRounding.Upward).Run(input));
    }

    [Fact]
    public void File_that_is_not_a_tflite_model_is_refused_with_its_name()
    {
        var e = Assert.Throws<InvalidDataException>(() => TfliteImporter.Read(new byte[64], "notes.txt"));

        Assert.Contains("notes.txt: not a TFLite model", e.Message);
    }
}
