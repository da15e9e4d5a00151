using Dipper.Compiler.Training;
using TorchSharp;

namespace Dipper.Compiler.Tests.Training;

[Collection(LibTorchCollection.Name)]
public class SparsityMaskTests
{
    public SparsityMaskTests() => TorchRuntime.Start(threads: 1);

    [Fact]
    public void Pruned_zeros_stay_zero_through_adam_steps_while_the_other_weights_train()
    {
        var graph = SmallCtcNetwork.WithZeros(SmallCtcNetwork.Graph(), "pointwise.weight", every: 2);
        using var module = new GraphModule(graph);
        using var mask = new SparsityMask(module);
        var optimizer = torch.optim.Adam(module.parameters(), lr: 0.01);
        var losses = new List<float>();

        for (var step = 0; step < 10; step++)
        {
            using var scope = torch.NewDisposeScope();
            optimizer.zero_grad();
            var loss = SmallCtcNetwork.CtcLoss(module.forward(SmallCtcNetwork.Signal()));
            loss.backward();
            optimizer.step();
            mask.Apply();
            losses.Add(loss.item<float>());
        }

        Assert.Equal(32, Assert.Single(mask.MaskedWeights, w => w.Key == "pointwise.weight").Value);
        var before = graph.Weights["pointwise.weight"].Values.ToArray();
        var after = module.ToGraph().Weights["pointwise.weight"].Values.ToArray();
        for (var i = 0; i < before.Length; i++)
        {
            if (before[i] == 0) Assert.Equal(0f, after[i]);
            else Assert.NotEqual(before[i], after[i]);
        }
        Assert.True(losses[^1] < losses[0], $"loss went from {losses[0]} to {losses[^1]}");
    }
}
