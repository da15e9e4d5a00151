using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Execution;
using Dipper.Compiler.Graph.Operations;
using Dipper.Compiler.Import;
using Dipper.Compiler.Passes;
using Dipper.Compiler.Passes.Merging;
using Dipper.Compiler.Passes.Widening;

namespace Dipper.Compiler.Tests.Passes.Widening;

public sealed class ModelWideningTests
{
    private static readonly ModelGraph Model = FoldBatchNorm.Apply(SbonitoMapper.ToGraph(TorchCheckpoint.Read(TestData.Checkpoint), "sbonito.pth"));

    [Fact]
    public void The_default_model_widened_to_128_channels_computes_the_original_on_real_chunks()
    {
        var widened = ModelWidening.Apply(Model, new WideningOptions { Channels = 128, Seed = 3 });

        var input = new FloatTensor([3, 1, TestData.WindowSamples], TestData.ReferenceWindows());
        var expected = new FloatExecutor(Model).Run(input).Values;
        var actual = new FloatExecutor(widened.Graph).Run(input).Values;
        // The posteriors the decoder reads agree within 1e-4. The log-probabilities agree within float32's noise on this
        // model: summed in another order they move by up to 4e-4 (a single extra channel per set does as much), as the
        // float executor and PyTorch differ by 3e-4 on the original model itself (TestData.ReferenceLogProbs).
        Assert.InRange(TestData.MaxAbsDifference(Posteriors(expected), Posteriors(actual)), 0, 1e-4);
        Assert.InRange(TestData.MaxAbsDifference(expected, actual), 0, 1e-3);
        Assert.True(widened.Graph.ParameterCount > 2 * Model.ParameterCount, $"{widened.Graph.ParameterCount} parameters");
    }

    [Fact]
    public void Every_widened_set_has_the_channels_asked_the_signal_and_scores_keep_theirs_and_copies_are_not_twins_in_their_readers()
    {
        var widened = ModelWidening.Apply(Model, new WideningOptions { Channels = 128 });

        var (before, after) = (ChannelSpaces.Of(Model), ChannelSpaces.Of(widened.Graph));
        Assert.Equal(before.Count - before.Fixed.Count, widened.Sets.Count);
        Assert.All(widened.Sets, s => Assert.Equal(128, s.To));
        Assert.Contains(widened.Sets, s => s.From == 40);
        foreach (var value in Model.Shapes.Keys)
        {
            var (old, shape) = (Model.Shapes[value], widened.Graph.Shapes[value]);
            var channelAxis = Model.Producer(value)?.Operation is Transpose or Linear or LogSoftmax ? -1 : 1;
            if (before.IsReduced(value)) Assert.Equal(128, shape[channelAxis].Size);
            else Assert.Equal(old.ToString(), shape.ToString());
        }
        Assert.Equal(Model.Inputs.Single().Shape.ToString(), widened.Graph.Inputs.Single().Shape.ToString());
        Assert.Equal(Model.Outputs.Single().Shape.ToString(), widened.Graph.Outputs.Single().Shape.ToString());

        // Every full layer reading a widened set: the copies of input channel i share its weights, summing to the
        // original's, in unequal shares (not proportional columns), so training can tell them apart.
        var readers = Model.Nodes.Where(n => n.Operation is Conv1d { Groups: 1 } or Linear && before.IsReduced(n.Inputs[0])).ToArray();
        Assert.Equal(33, readers.Length);
        foreach (var reader in readers)
        {
            var weightName = reader.Operation is Conv1d conv ? conv.Weight : ((Linear)reader.Operation).Weight;
            var (original, wide) = (Model.Weights[weightName], widened.Graph.Weights[weightName]);
            var sources = widened.Sets.Single(s => s.Value == before.Names[before[reader.Inputs[0]]]).Sources;
            var rows = after.IsReduced(reader.Output) ? widened.Sets.Single(s => s.Value == after.Names[after[reader.Output]]).Sources : null;
            for (var j = sources.Count - 1; j >= 80; j -= 7)
            {
                var i = sources[j];
                var copies = Enumerable.Range(0, sources.Count).Where(c => sources[c] == i).ToArray();
                Assert.True(copies.Length >= 2);
                var sum = copies.Select(c => Column(wide, c)).Aggregate((a, b) => a.Zip(b, (x, y) => x + y).ToArray());
                var expected = Column(original, i, rows);
                Assert.InRange(TestData.MaxAbsDifference(expected.Select(v => (float)v).ToArray(), sum.Select(v => (float)v).ToArray()), 0, 1e-6);
                Assert.InRange(Cosine(Column(wide, j), Column(wide, i)), -1, 1 - 1e-4);
            }
        }
    }

    [Fact]
    public void Fewer_channels_than_the_model_has_are_refused_naming_the_widest_set()
    {
        var error = Assert.Throws<GraphException>(() => ModelWidening.Apply(Model, new WideningOptions { Channels = 64 }));

        Assert.Contains("64 channels is narrower", error.Message);
        Assert.Contains("has 80", error.Message);
    }

    [Fact]
    public void At_the_models_own_width_its_80_channel_sets_stay_as_they_are_and_the_40_channel_head_set_widens()
    {
        var widened = ModelWidening.Apply(Model, new WideningOptions { Channels = 80 });

        Assert.All(widened.Sets.Where(s => s.From == 80), s => Assert.Equal(Enumerable.Range(0, 80), s.Sources));
        var input = new FloatTensor([1, 1, TestData.WindowSamples], TestData.ReferenceWindows()[..TestData.WindowSamples]);
        Assert.InRange(TestData.MaxAbsDifference(new FloatExecutor(Model).Run(input).Values, new FloatExecutor(widened.Graph).Run(input).Values), 0, 1e-4);
    }

    [Fact]
    public void A_grouped_convolution_that_is_not_depthwise_is_refused_naming_it()
    {
        var builder = new GraphBuilder("grouped");
        builder.Weight("stem.w", new WeightTensor([4, 1, 3], new float[12]));
        builder.Weight("grouped.w", new WeightTensor([4, 2, 1], new float[8]));
        builder.Weight("out.w", new WeightTensor([3, 4], new float[12]));
        var x = builder.Input("signal", new TensorShape(Dim.Named("batch"), 1, Dim.Named("samples")));
        x = builder.Add("stem", new Conv1d { InChannels = 1, OutChannels = 4, KernelSize = 3, Padding = 1, Weight = "stem.w" }, x);
        x = builder.Add("grouped", new Conv1d { InChannels = 4, OutChannels = 4, KernelSize = 1, Groups = 2, Weight = "grouped.w" }, x);
        x = builder.Add("permute", new Transpose { Permutation = [0, 2, 1] }, x);
        x = builder.Add("out", new Linear { InFeatures = 4, OutFeatures = 3, Weight = "out.w" }, x);
        builder.Add("logprobs", new LogSoftmax { Axis = -1 }, x);
        var graph = builder.Build(new GraphValue("logprobs", new TensorShape(Dim.Named("batch"), Dim.Named("frames"), 3)));

        var error = Assert.Throws<GraphException>(() => ModelWidening.Apply(graph, new WideningOptions { Channels = 8 }));

        Assert.Contains("'grouped'", error.Message);
        Assert.Contains("not depthwise", error.Message);
    }

    /// <summary>Input column <paramref name="i"/> of a weight [out, in, taps] (taps 1 for linear), its rows copied as <paramref name="rows"/> says.</summary>
    private static double[] Column(WeightTensor weight, int i, IReadOnlyList<int>? rows = null)
    {
        var (outs, ins) = (weight.Shape[0], weight.Shape[1]);
        var taps = weight.Count / (outs * ins);
        var order = rows ?? Enumerable.Range(0, outs).ToArray();
        var values = weight.Values.ToArray();
        return order.SelectMany(o => Enumerable.Range(0, taps).Select(t => (double)values[(o * ins + i) * taps + t])).ToArray();
    }

    private static float[] Posteriors(float[] logProbabilities) => logProbabilities.Select(MathF.Exp).ToArray();

    private static double Cosine(double[] a, double[] b) =>
        a.Zip(b, (x, y) => x * y).Sum() / Math.Sqrt(a.Sum(x => x * x) * b.Sum(y => y * y));
}
