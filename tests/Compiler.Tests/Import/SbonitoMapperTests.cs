using Dipper.Compiler.Graph.Operations;
using Dipper.Compiler.Import;

namespace Dipper.Compiler.Tests.Import;

public class SbonitoMapperTests
{
    private static readonly Lazy<StateDict> Checkpoint = new(() => TorchCheckpoint.Read(TestData.Checkpoint));

    [Fact]
    public void Default_checkpoint_maps_to_the_reference_architecture_with_249805_parameters()
    {
        var graph = SbonitoMapper.ToGraph(Checkpoint.Value, "sbonito.pth");

        Assert.Equal(249_805, graph.ParameterCount);
        Assert.Equal("[batch, 1, samples]", graph.Inputs.Single().Shape.ToString());
        Assert.Equal("[batch, frames, 5]", graph.Outputs.Single().Shape.ToString());
        var convs = graph.Nodes.Select(n => n.Operation).OfType<Conv1d>().ToList();
        Assert.Equal(1 + 5 * (5 * 2 + 1) + 2 + 1, convs.Count);
        Assert.Equal((9, 3, 4), (convs[0].KernelSize, convs[0].Stride, convs[0].Padding));
        Assert.All(graph.Nodes.Select(n => n.Operation).OfType<BatchNorm1d>(), bn => Assert.Equal(1e-3, bn.Epsilon));
        Assert.Equal(5, graph.Nodes.Count(n => n.Operation is Add));
        // Each residual block: swish after 4 of its 5 repeats, plus the block's own; 1 each for the other 3 blocks.
        Assert.Equal(5 * 5 + 3, graph.Nodes.Count(n => n.Operation is Swish));
    }

    [Fact]
    public void Residual_branch_joins_before_the_final_swish_of_its_block()
    {
        var graph = SbonitoMapper.ToGraph(Checkpoint.Value, "sbonito.pth");

        var add = graph.Nodes.Single(n => n.Name == "e.encoder.3.add");
        Assert.Equal(["e.encoder.3.conv.17", "e.encoder.3.residual.1"], add.Inputs);
        Assert.Equal("e.encoder.3.add", graph.Nodes.Single(n => n.Name == "e.encoder.3.act").Inputs.Single());
        Assert.Equal("e.encoder.2.act", graph.Nodes.Single(n => n.Name == "e.encoder.3.residual.0.conv").Inputs.Single());
    }

    [Fact]
    public void Checkpoint_missing_a_tensor_is_refused_by_tensor_name()
    {
        var partial = new StateDict(Checkpoint.Value.Where(t => t.Key != "e.encoder.4.conv.8.pointwise.weight"));

        var e = Assert.Throws<CheckpointFormatException>(() => SbonitoMapper.ToGraph(partial, "partial.pth"));
        Assert.Contains("partial.pth", e.Message);
        Assert.Contains("'e.encoder.4.conv.8.pointwise.weight'", e.Message);
    }

    [Fact]
    public void Checkpoint_with_extra_tensors_is_refused_as_another_architecture()
    {
        var extra = new StateDict(Checkpoint.Value.Append(new("e.encoder.8.conv.0.conv.weight", CheckpointTensor.FromFloats([1], [0f]))));

        var e = Assert.Throws<CheckpointFormatException>(() => SbonitoMapper.ToGraph(extra, "bigger.pth"));
        Assert.Contains("'e.encoder.8.conv.0.conv.weight'", e.Message);
    }

    [Fact]
    public void Tensor_of_the_wrong_shape_is_refused_with_both_shapes()
    {
        var reshaped = new StateDict(Checkpoint.Value.Select(t => t.Key == "out.weight"
            ? new KeyValuePair<string, CheckpointTensor>(t.Key, CheckpointTensor.FromFloats([40, 5], t.Value.Floats.ToArray()))
            : t));

        var e = Assert.Throws<CheckpointFormatException>(() => SbonitoMapper.ToGraph(reshaped, "odd.pth"));
        Assert.Contains("'out.weight' has shape (40, 5), expected (5, 40)", e.Message);
    }
}
