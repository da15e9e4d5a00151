using Dipper.Compiler.Import;
using Dipper.Compiler.Passes;
using Dipper.Compiler.Training;

namespace Dipper.Compiler.Tests.Training;

public sealed class FreshWeightsTests
{
    private static readonly Lazy<Dipper.Compiler.Graph.ModelGraph> Model =
        new(() => FoldBatchNorm.Apply(SbonitoMapper.ToGraph(TorchCheckpoint.Read(TestData.Checkpoint), "sbonito.pth")));

    [Fact]
    public void One_seed_draws_the_same_start_and_another_seed_a_different_one()
    {
        var first = FreshWeights.Draw(Model.Value, seed: 1);
        var again = FreshWeights.Draw(Model.Value, seed: 1);
        var other = FreshWeights.Draw(Model.Value, seed: 2);

        foreach (var (name, weight) in first.Weights)
        {
            Assert.True(weight.Values.SequenceEqual(again.Weights[name].Values), $"{name} differs for one seed");
            var trained = Model.Value.Weights[name].Values;
            if (name.EndsWith(".bias", StringComparison.Ordinal))
            {
                Assert.All(weight.Values.ToArray(), v => Assert.Equal(0f, v));
                continue;
            }
            Assert.False(weight.Values.SequenceEqual(other.Weights[name].Values), $"{name} is the same for seeds 1 and 2");
            Assert.False(weight.Values.SequenceEqual(trained), $"{name} kept its trained values");
        }
    }

    [Theory]
    [InlineData("e.encoder.0.conv.0.conv.weight", 1.68 / 3)]                  // stem: 1 input × 9 taps, swish after it
    [InlineData("e.encoder.1.conv.0.depthwise.weight", 0.30151)]              // depthwise: 1/√11
    [InlineData("e.encoder.1.conv.0.pointwise.weight", 1.68 / 8.94427)]       // pointwise: 80 inputs
    [InlineData("e.encoder.1.residual.0.conv.weight", 1.68 / 8.94427 / 1.41421)] // added to the main branch: halved variance
    public void Kernels_are_drawn_at_the_scale_that_keeps_activations_in_range(string weight, double std)
    {
        var values = FreshWeights.Draw(Model.Value, seed: 3).Weights[weight].Values.ToArray();

        var mean = values.Average(v => (double)v);
        var measured = Math.Sqrt(values.Average(v => (v - mean) * (v - mean)));
        // Tolerance for the sample size: the stem has only 720 values.
        Assert.InRange(measured, std * 0.85, std * 1.15);
        Assert.InRange(Math.Abs(mean), 0, std * 0.15);
    }
}
