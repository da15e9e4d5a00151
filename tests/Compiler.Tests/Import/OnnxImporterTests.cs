using Dipper.Compiler.Export;
using Dipper.Compiler.Graph.Operations;
using Dipper.Compiler.Import;
using Dipper.Compiler.Passes;
using Google.Protobuf;
using Onnx;

namespace Dipper.Compiler.Tests.Import;

public class OnnxImporterTests
{
    private static byte[] CommittedModel => File.ReadAllBytes(Path.Combine(TestData.PackageFolder, "model.onnx"));

    [Fact]
    public void Committed_package_model_reads_back_and_exports_to_the_same_bytes()
    {
        var graph = OnnxImporter.Import(CommittedModel, "model.onnx");

        Assert.Equal(CommittedModel, OnnxExporter.Export(graph));
        Assert.Equal(247_205, graph.ParameterCount); // BatchNorms folded: 249,805 trained parameters less the merged scales and shifts
        Assert.Equal(1 + 5 * 5 + 1 + 1, graph.Nodes.Count(n => n.Operation is Swish));
        Assert.Single(graph.Nodes, n => n.Operation is Linear { InFeatures: 40, OutFeatures: 5, Bias: "out.bias", Weight: "out.weight" });
    }

    [Fact]
    public void Unfolded_export_with_batch_norms_reads_back_too()
    {
        var imported = SbonitoMapper.ToGraph(TorchCheckpoint.Read(TestData.Checkpoint), "sbonito.pth");
        var onnx = OnnxExporter.Export(imported);

        var graph = OnnxImporter.Import(onnx, "unfolded.onnx");

        Assert.Equal(imported.Nodes.Count(n => n.Operation is BatchNorm1d), graph.Nodes.Count(n => n.Operation is BatchNorm1d));
        Assert.Equal(onnx, OnnxExporter.Export(graph));
    }

    [Fact]
    public void One_dimensional_convolutions_read_back_as_well_as_the_height_1_image_form()
    {
        var folded = FoldBatchNorm.Apply(SbonitoMapper.ToGraph(TorchCheckpoint.Read(TestData.Checkpoint), "sbonito.pth"));
        var flat = OnnxExporter.Export(folded, convolutionsAs2d: false);

        var graph = OnnxImporter.Import(flat, "flat.onnx");

        Assert.Equal(flat, OnnxExporter.Export(graph, convolutionsAs2d: false));
        Assert.Equal(CommittedModel, OnnxExporter.Export(graph));
    }

    [Fact]
    public void A_relu6_exported_as_clip_to_0_and_6_reads_back_and_a_clip_to_other_bounds_is_refused()
    {
        var small = Dipper.Compiler.Tests.Training.SmallCtcNetwork.Graph();
        var onnx = OnnxExporter.Export(small);

        var graph = OnnxImporter.Import(onnx, "small.onnx");

        Assert.Equal(small.Nodes.Count(n => n.Operation is Relu6), graph.Nodes.Count(n => n.Operation is Relu6));
        Assert.Contains(graph.Nodes, n => n.Operation is Relu6);
        Assert.Equal(onnx, OnnxExporter.Export(graph));

        var model = ModelProto.Parser.ParseFrom(onnx);
        var clip = model.Graph.Node.First(n => n.OpType == "Clip");
        var high = model.Graph.Initializer.Single(t => t.Name == clip.Input[2]);
        high.FloatData.Clear();
        high.RawData = ByteString.CopyFrom(BitConverter.GetBytes(5f));
        var e = Assert.Throws<InvalidDataException>(() => OnnxImporter.Import(model.ToByteArray(), "clip5.onnx"));
        Assert.Contains($"clip5.onnx: node '{clip.Name}' (Clip): not an operator Dipper exports", e.Message);
    }

    [Fact]
    public void Operators_dipper_does_not_export_are_refused_by_node_name()
    {
        var model = ModelProto.Parser.ParseFrom(CommittedModel);
        var conv = model.Graph.Node.First(n => n.OpType == "Conv");
        conv.OpType = "MaxPool";

        var e = Assert.Throws<InvalidDataException>(() => OnnxImporter.Import(model.ToByteArray(), "edited.onnx"));

        Assert.Contains($"edited.onnx: node '{conv.Name}' (MaxPool): not an operator Dipper exports", e.Message);
    }

    [Fact]
    public void A_file_that_is_not_onnx_is_refused()
    {
        var e = Assert.Throws<InvalidDataException>(() => OnnxImporter.Import([1, 2, 3, 4, 5], "noise.onnx"));

        Assert.StartsWith("noise.onnx: not an ONNX model", e.Message);
    }
}
