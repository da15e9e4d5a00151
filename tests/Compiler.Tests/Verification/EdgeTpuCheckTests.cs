using Dipper.Compiler.Graph.Lowered;
using Dipper.Compiler.Passes;
using Dipper.Compiler.Quantisation;
using Dipper.Compiler.Verification;

namespace Dipper.Compiler.Tests.Verification;

public class EdgeTpuCheckTests
{
    [Fact]
    public void Default_model_maps_to_the_edge_tpu_up_to_its_final_log_softmax()
    {
        var check = EdgeTpuCheck.Of(Sbonito.Int8);

        var cut = Assert.IsType<EdgeTpuOperator>(check.FirstCpuOperator);
        Assert.Equal("LOG_SOFTMAX", cut.Operator);
        Assert.Equal(check.Operators.Count - 1, cut.Index);
        Assert.Equal(["LOG_SOFTMAX is not an Edge TPU operator"], cut.Problems);
        Assert.All(check.Operators.SkipLast(1), o => Assert.True(o.Supported, $"{o.Name}: {string.Join("; ", o.Problems)}"));
        // 249,805 int8 weights and int32 biases: all cached on chip.
        Assert.InRange(check.ParameterBytes, 249_805, 300_000);
        Assert.Equal(0, check.StreamedBytes);
    }

    [Fact]
    public void With_the_log_softmax_left_to_the_host_the_whole_graph_maps()
    {
        var lowered = LowerToNhwc.Apply(Sbonito.Float, Sbonito.Batch, 1800, logSoftmaxInGraph: false);
        var ranges = Sbonito.Int8.Tensors.Where(t => t.Quantisation is { IsPerTensor: true } && !t.IsConstant)
            .ToDictionary(t => t.Name, t => new ActivationRange(t.Quantisation!.Parameters.RealMin, t.Quantisation.Parameters.RealMax));
        var int8 = Int8Quantiser.Apply(lowered, ranges, QuantisationParameters.ForRange(-2.5f, 2.5f));

        var check = EdgeTpuCheck.Of(int8);

        Assert.Null(check.FirstCpuOperator);
        Assert.Equal(check.Operators.Count, check.MappedOperators);
    }

    [Fact]
    public void Float_tensors_and_a_batch_outside_the_image_are_reported_operator_by_operator()
    {
        // A float model whose activations are [2, 1, 10, 4]: four dimensions with the outermost above 1.
        LoweredTensor Activation(string name) => new() { Name = name, Shape = [2, 1, 10, 4], Type = ElementType.Float32 };
        var graph = new LoweredGraph("bad", [Activation("x"), Activation("y"), Activation("z")],
        [
            new LoweredOperator { Kind = LoweredOpKind.Logistic, Name = "sigmoid", Inputs = [0], Output = 1 },
            new LoweredOperator { Kind = LoweredOpKind.Add, Name = "sum", Inputs = [0, 1], Output = 2 },
        ], 0, 2, 2, 10, false);

        var check = EdgeTpuCheck.Of(graph);

        Assert.Equal(0, check.FirstCpuOperator!.Index);
        Assert.Contains("tensor 'x' is Float32, not int8", check.Operators[0].Problems);
        Assert.Contains("tensor 'x' [2, 1, 10, 4]: only the 3 innermost dimensions may be above 1", check.Operators[0].Problems);
        Assert.False(check.Operators[1].Supported);
    }
}
