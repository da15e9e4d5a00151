using Dipper.Compiler.Export;
using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Passes;
using Dipper.Compiler.Import;
using Onnx;
using Xunit.Abstractions;

namespace Dipper.Compiler.Tests.Export;

public class OnnxExporterTests(ITestOutputHelper log)
{
    private static readonly Lazy<ModelGraph> Imported = new(() =>
        SbonitoMapper.ToGraph(TorchCheckpoint.Read(TestData.Checkpoint), "sbonito.pth"));

    [Fact]
    public void Folded_export_reproduces_pytorch_log_probs_of_three_reads()
    {
        var onnx = OnnxExporter.Export(FoldBatchNorm.Apply(Imported.Value));

        var (values, shape) = TestData.RunOnnx(onnx, TestData.ReferenceWindows(), 3, TestData.WindowSamples);

        Assert.Equal([3, TestData.WindowFrames, TestData.Classes], shape);
        var difference = TestData.MaxAbsDifference(values, TestData.ReferenceLogProbs());
        var reference = TestData.ReferenceLogProbs();
        var worst = Enumerable.Range(0, values.Length).MaxBy(i => Math.Abs(values[i] - reference[i]));
        var likely = Enumerable.Range(0, values.Length).Where(i => reference[i] > -3).Max(i => Math.Abs(values[i] - reference[i]));
        log.WriteLine($"max |Δ log-prob| folded ONNX vs PyTorch: {difference:E2} (at log-prob {reference[worst]:F2}); over log-probs > -3: {likely:E2}");
        Assert.True(difference <= 1e-3, $"max |Δ log-prob| = {difference}");
    }

    [Fact]
    public void Unfolded_export_with_batch_normalization_reproduces_pytorch_log_probs()
    {
        var onnx = OnnxExporter.Export(Imported.Value);

        var (values, _) = TestData.RunOnnx(onnx, TestData.ReferenceWindows(), 3, TestData.WindowSamples);

        var difference = TestData.MaxAbsDifference(values, TestData.ReferenceLogProbs());
        log.WriteLine($"max |Δ log-prob| unfolded ONNX vs PyTorch: {difference:E2}");
        Assert.True(difference <= 1e-3, $"max |Δ log-prob| = {difference}");
    }

    [Fact]
    public void Signal_length_is_dynamic_and_gives_one_frame_per_three_samples()
    {
        var onnx = OnnxExporter.Export(FoldBatchNorm.Apply(Imported.Value));
        var signal = TestData.ReadFloats("read0.window0.f32").Concat(TestData.ReadFloats("read1.window0.f32")).ToArray();

        var (values, shape) = TestData.RunOnnx(onnx, signal, 1, 3600);

        Assert.Equal([1, 1200, TestData.Classes], shape);
        for (var frame = 0; frame < 1200; frame++)
        {
            var total = Enumerable.Range(0, TestData.Classes).Sum(c => Math.Exp(values[frame * TestData.Classes + c]));
            Assert.Equal(1.0, total, 1e-4);
        }
    }

    [Fact]
    public void Exporting_the_same_graph_twice_gives_identical_bytes()
    {
        var first = OnnxExporter.Export(FoldBatchNorm.Apply(SbonitoMapper.ToGraph(TorchCheckpoint.Read(TestData.Checkpoint), "a.pth")));
        var second = OnnxExporter.Export(FoldBatchNorm.Apply(SbonitoMapper.ToGraph(TorchCheckpoint.Read(TestData.Checkpoint), "a.pth")));

        Assert.Equal(first, second);
    }

    [Fact]
    public void Model_declares_opset_13_and_named_dynamic_dimensions()
    {
        var model = OnnxExporter.ToModel(FoldBatchNorm.Apply(Imported.Value));

        Assert.Equal(13, Assert.Single(model.OpsetImport).Version);
        var input = Assert.Single(model.Graph.Input);
        Assert.Equal("signal", input.Name);
        Assert.Equal(["batch", "1", "samples"], input.Type.TensorType.Shape.Dim.Select(Text));
        var output = Assert.Single(model.Graph.Output);
        Assert.Equal("logprobs", output.Name);
        Assert.Equal(["batch", "frames", "5"], output.Type.TensorType.Shape.Dim.Select(Text));
    }

    [Fact]
    public void Depthwise_convolutions_are_grouped_convs_with_fused_bias()
    {
        var model = OnnxExporter.ToModel(FoldBatchNorm.Apply(Imported.Value));

        var convs = model.Graph.Node.Where(n => n.OpType == "Conv").ToList();
        Assert.Equal(1 + 5 * (2 * 5 + 1) + 2 + 1, convs.Count);
        var depthwise = convs.Where(c => c.Name.EndsWith(".depthwise", StringComparison.Ordinal)).ToList();
        Assert.Equal(26, depthwise.Count);
        Assert.All(depthwise, c => Assert.Equal(80, c.Attribute.Single(a => a.Name == "group").I));
        // Every BatchNorm follows a pointwise or plain convolution, which now carries its bias.
        Assert.All(convs.Except(depthwise), c => Assert.Equal(3, c.Input.Count));
        Assert.DoesNotContain(model.Graph.Node, n => n.OpType == "BatchNormalization");
    }

    [Fact]
    public void One_dimensional_export_matches_pytorch_and_the_default_height_1_image_layout()
    {
        var graph = FoldBatchNorm.Apply(Imported.Value);
        var (flat, _) = TestData.RunOnnx(OnnxExporter.Export(graph, convolutionsAs2d: false), TestData.ReferenceWindows(), 3, TestData.WindowSamples);
        var (image, _) = TestData.RunOnnx(OnnxExporter.Export(graph), TestData.ReferenceWindows(), 3, TestData.WindowSamples);

        Assert.True(TestData.MaxAbsDifference(flat, TestData.ReferenceLogProbs()) <= 1e-3);
        var between = TestData.MaxAbsDifference(flat, image);
        log.WriteLine($"max |Δ log-prob| 1-D vs 2-D export: {between:E2}");
        // Same arithmetic, different summation order inside the kernels: float rounding only.
        Assert.True(between <= 1e-3, $"1-D and 2-D convolutions compute the same network (max |Δ| = {between})");
        var model = OnnxExporter.ToModel(graph);
        Assert.All(model.Graph.Node.Where(n => n.OpType == "Conv"),
            c => Assert.Equal(1L, c.Attribute.Single(a => a.Name == "kernel_shape").Ints[0]));
        Assert.Single(model.Graph.Node, n => n.OpType == "Unsqueeze");
        Assert.Single(model.Graph.Node, n => n.OpType == "Squeeze");
    }

    private static string Text(TensorShapeProto.Types.Dimension d) => d.HasDimValue ? d.DimValue.ToString() : d.DimParam;
}
