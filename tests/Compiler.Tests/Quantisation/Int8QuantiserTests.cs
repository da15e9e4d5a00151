using Dipper.Compiler.Export;
using Dipper.Compiler.Graph.Lowered;
using Dipper.Compiler.Quantisation;
using Xunit.Abstractions;

namespace Dipper.Compiler.Tests.Quantisation;

public class Int8QuantiserTests(ITestOutputHelper log)
{
    [Fact]
    public void Weights_are_symmetric_per_output_channel_with_the_largest_at_127()
    {
        foreach (var op in Sbonito.Int8.Operators.Where(o => o.Kind is LoweredOpKind.Conv2D or LoweredOpKind.DepthwiseConv2D))
        {
            var filter = Sbonito.Int8.Tensors[op.Inputs[1]];
            var floats = (float[])Sbonito.Lowered.Tensors[op.Inputs[1]].Data!;
            var q = filter.Quantisation!;
            var axis = op.Kind == LoweredOpKind.Conv2D ? 0 : 3;
            Assert.Equal(axis, q.Axis);
            Assert.Equal(filter.Shape[axis], q.Scales.Count);
            Assert.All(q.ZeroPoints, z => Assert.Equal(0, z));
            var values = (sbyte[])filter.Data!;
            Assert.All(values, v => Assert.InRange(v, -127, 127));
            var inner = filter.Shape.Skip(axis + 1).Aggregate(1, (a, d) => a * d);
            for (var c = 0; c < q.Scales.Count; c++)
            {
                var channel = Enumerable.Range(0, values.Length).Where(i => i / inner % q.Scales.Count == c).ToList();
                Assert.Equal(127, channel.Max(i => Math.Abs((int)values[i])));
                Assert.Equal(channel.Max(i => Math.Abs(floats[i])) / 127f, q.Scales[c], 1e-9f);
            }
        }
    }

    [Fact]
    public void Biases_are_int32_at_input_scale_times_weight_scale()
    {
        foreach (var op in Sbonito.Int8.Operators.Where(o => o.Kind is LoweredOpKind.Conv2D or LoweredOpKind.DepthwiseConv2D))
        {
            var input = Sbonito.Int8.Tensors[op.Inputs[0]].Quantisation!.Parameters;
            var weights = Sbonito.Int8.Tensors[op.Inputs[1]].Quantisation!.Scales;
            var bias = Sbonito.Int8.Tensors[op.Inputs[2]];
            var floats = (float[])Sbonito.Lowered.Tensors[op.Inputs[2]].Data!;
            Assert.Equal(ElementType.Int32, bias.Type);
            for (var c = 0; c < weights.Count; c++)
            {
                Assert.Equal(input.Scale * weights[c], bias.Quantisation!.Scales[c]);
                Assert.Equal(floats[c], ((int[])bias.Data!)[c] * bias.Quantisation.Scales[c], bias.Quantisation.Scales[c]);
            }
        }
    }

    [Fact]
    public void Bias_correction_subtracts_the_mean_shift_of_the_rounded_weights()
    {
        var lowered = Sbonito.Lowered;
        var ranges = Sbonito.Int8.Tensors.Where(t => t.Quantisation is { IsPerTensor: true } && !t.IsConstant)
            .ToDictionary(t => t.Name, t => new ActivationRange(t.Quantisation!.Parameters.RealMin, t.Quantisation.Parameters.RealMax));
        // Every input channel of the first pointwise convolution has mean 2.
        var pointwise = lowered.Operators.First(o => o.Kind == LoweredOpKind.Conv2D && lowered.Tensors[o.Inputs[1]].Shape[2] == 1);
        var input = lowered.Tensors[pointwise.Inputs[0]];
        var means = new Dictionary<string, double[]> { [input.Name] = Enumerable.Repeat(2.0, input.Shape[^1]).ToArray() };

        var corrected = Int8Quantiser.Apply(lowered, ranges, Sbonito.Int8.InputTensor.Quantisation!.Parameters, means);

        var w = (float[])lowered.Tensors[pointwise.Inputs[1]].Data!;
        var filter = corrected.Tensors[pointwise.Inputs[1]];
        var q = (sbyte[])filter.Data!;
        var b = (float[])lowered.Tensors[pointwise.Inputs[2]].Data!;
        var bias = corrected.Tensors[pointwise.Inputs[2]];
        var inputs = input.Shape[^1];
        for (var o = 0; o < b.Length; o++)
        {
            var shift = Enumerable.Range(0, inputs).Sum(i => ((double)q[o * inputs + i] * filter.Quantisation!.Scales[o] - w[o * inputs + i]) * 2.0);
            var step = bias.Quantisation!.Scales[o];
            Assert.Equal(b[o] - shift, ((int[])bias.Data!)[o] * step, step);
        }
        // Other layers, without means, keep their biases.
        var other = lowered.Operators.Last(o => o.Kind == LoweredOpKind.Conv2D);
        Assert.Equal((int[])Sbonito.Int8.Tensors[other.Inputs[2]].Data!, (int[])corrected.Tensors[other.Inputs[2]].Data!);
    }

    [Fact]
    public void Fixed_output_grids_are_tflites()
    {
        var int8 = Sbonito.Int8;
        foreach (var op in int8.Operators)
        {
            var output = int8.Tensors[op.Output].Quantisation!.Parameters;
            var input = int8.Tensors[op.Inputs[0]].Quantisation!.Parameters;
            switch (op.Kind)
            {
                case LoweredOpKind.Logistic: Assert.Equal(Int8Quantiser.LogisticOutput, output); break;
                case LoweredOpKind.LogSoftmax: Assert.Equal(Int8Quantiser.LogSoftmaxOutput, output); break;
                case LoweredOpKind.Pad or LoweredOpKind.Reshape: Assert.Equal(input, output); break;
            }
        }
        Assert.Equal(QuantisationParameters.ForRange(-2.5f, 2.5f), int8.InputTensor.Quantisation!.Parameters);
    }

    [Fact]
    public void Int8_default_model_in_the_tflite_runtime_is_the_int8_reference_bit_for_bit()
    {
        var input = Sbonito.Int8Windows();

        var runtime = TfliteRunner.Run<sbyte, sbyte>(TfliteExporter.Export(Sbonito.Int8), input);
        var reference = new Int8Reference(Sbonito.Int8).Run(input);

        // 124 operators, every requantisation in TFLite's integer arithmetic (LOG_SOFTMAX, computed in
        // double by the reference and in fixed point by TFLite, lands on the same 1/16 grid points here).
        var differences = runtime.Output.Zip(reference, (a, b) => Math.Abs(a - b)).ToArray();
        log.WriteLine($"int8 default model: {differences.Count(d => d == 0)}/{differences.Length} log-probs equal, max difference {differences.Max()} steps");
        Assert.Equal(reference, runtime.Output);
    }

    [Fact]
    public void Int8_default_model_keeps_most_frames_most_likely_class_on_three_reads()
    {
        var runtime = TfliteRunner.Run<sbyte, sbyte>(TfliteExporter.Export(Sbonito.Int8), Sbonito.Int8Windows());

        var output = Sbonito.Int8.OutputTensor.Quantisation!.Parameters;
        var actual = runtime.Output.Select(q => output.Dequantise(q)).ToArray();
        var expected = TestData.ReferenceLogProbs();
        var frames = expected.Length / TestData.Classes;
        var agreeing = Enumerable.Range(0, frames).Count(f =>
            ArgMax(expected.AsSpan(f * 5, 5)) == ArgMax(actual.AsSpan(f * 5, 5)));
        log.WriteLine($"int8 vs PyTorch on the reference windows: {agreeing}/{frames} frames agree");
        Assert.True(agreeing >= frames * 0.88, $"{agreeing}/{frames} frames agree");
    }

    private static int ArgMax(ReadOnlySpan<float> row)
    {
        var best = 0;
        for (var c = 1; c < row.Length; c++) if (row[c] > row[best]) best = c;
        return best;
    }
}
