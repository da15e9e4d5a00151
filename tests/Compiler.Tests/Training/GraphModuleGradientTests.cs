using System.Text.Json;
using Dipper.Compiler.Training;
using TorchSharp;

namespace Dipper.Compiler.Tests.Training;

/// <summary>
/// CTC loss, gradients and BatchNorm running statistics of a small graph against PyTorch's, made once by
/// tests/data/training/small-graph/make_gradients.py from the same weights and input.
/// </summary>
[Collection(LibTorchCollection.Name)]
public class GraphModuleGradientTests
{
    private static JsonElement Reference => SmallCtcNetwork.Reference;

    public GraphModuleGradientTests() => TorchRuntime.Start(threads: 1);

    [Fact]
    public void Ctc_loss_and_gradients_match_pytorch()
    {
        using var module = new GraphModule(SmallCtcNetwork.Graph());
        module.train();
        using var scope = torch.NewDisposeScope();

        var logProbs = module.forward(SmallCtcNetwork.Signal());
        var loss = SmallCtcNetwork.CtcLoss(logProbs);
        loss.backward();

        Assert.Equal(Reference.GetProperty("loss").GetDouble(), loss.item<float>(), 1e-5);
        foreach (var gradient in Reference.GetProperty("gradients").EnumerateObject())
        {
            var (_, expected) = SmallCtcNetwork.Tensor(gradient.Value);
            var actual = module.TrainedWeights[gradient.Name].grad!.data<float>().ToArray();
            AssertClose(expected, actual, $"gradient of '{gradient.Name}'");
        }
        foreach (var statistic in Reference.GetProperty("running_after").EnumerateObject())
        {
            var (_, expected) = SmallCtcNetwork.Tensor(statistic.Value);
            AssertClose(expected, module.Weights[statistic.Name].data<float>().ToArray(), $"'{statistic.Name}' after the step");
        }
    }

    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            var tolerance = 1e-6 + 1e-4 * Math.Abs(expected[i]);
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"{what}[{i}]: PyTorch {expected[i]:g9}, Dipper {actual[i]:g9}");
        }
    }
}
