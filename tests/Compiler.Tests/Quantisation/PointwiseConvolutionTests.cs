using Dipper.Basecaller.Inference.Int8;
using Dipper.Compiler.Graph.Lowered;
using Dipper.Compiler.Quantisation;

namespace Dipper.Compiler.Tests.Quantisation;

/// <summary>
/// The appliance's AVX-VNNI 1×1 convolution (src/Basecaller/Inference/Int8) against the compiler's int8 reference: on a
/// quantised graph shaped like the default model's block (a stride-3 stem to 80 channels, then an 80 → 80 1×1
/// convolution), and on accumulators chosen to hit every rounding case of the requantisation.
/// </summary>
public class PointwiseConvolutionTests
{
    [VnniTheory]
    [InlineData(3)]
    [InlineData(4)]
    public void Vnni_pointwise_convolution_gives_the_int8_reference_bit_for_bit(int seed)
    {
        var graph = SmallGraphs.Build(seed, (g, x) => g.Conv(g.Conv(x, 1, 80, 9, stride: 3, padding: 4), 80, 80, 1));
        var (_, int8) = SmallGraphs.Quantise(graph);
        var activations = new Dictionary<int, sbyte[]>();
        var input = SmallGraphs.Signal(seed + 10).Select(SmallGraphs.InputParameters.Quantise).ToArray();
        new Int8Reference(int8, TieRounding.Upward).Run(input, (tensor, values) => activations[tensor] = values);
        var op = int8.Operators.Single(o => o.Kind == LoweredOpKind.Conv2D && int8.Tensors[o.Inputs[1]].Shape[2] == 1);
        var (x, filter, y) = (int8.Tensors[op.Inputs[0]], int8.Tensors[op.Inputs[1]], int8.Tensors[op.Output]);
        var (px, py) = (x.Quantisation!.Parameters, y.Quantisation!.Parameters);
        var multipliers = Int8Kernels.ConvolutionMultipliers(px.Scale, filter.Quantisation!.Scales, py.Scale);
        var kernel = new PointwiseConvolution((sbyte[])filter.Data!, 80, 80, (int[])int8.Tensors[op.Inputs[2]].Data!,
            multipliers.Select(m => m.Significand).ToArray(), multipliers.Select(m => m.Shift).ToArray(), px.ZeroPoint, py.ZeroPoint);
        var frames = activations[op.Inputs[0]].Length / 80;
        var expected = activations[op.Output];
        Assert.Equal(SmallGraphs.Batch * SmallGraphs.Samples / 3, frames);
        Assert.Contains(expected, v => v != expected[0]); // a layer whose outputs vary, not one saturated value

        // Every frame (blocks of five), then a count that leaves frames over for the one-frame path.
        foreach (var count in new[] { frames, frames - 3 })
        {
            var output = new byte[count * 80];
            kernel.Run(ToOffset(activations[op.Inputs[0]]), output, count);
            Assert.Equal(expected.AsSpan(0, count * 80).ToArray(), FromOffset(output));
        }
    }

    /// <summary>
    /// One input channel with weight 1, the others 0, so that each output channel's accumulator is the input (minus
    /// its zero point) plus the channel's bias; multipliers of 0.5 and 0.25 make every other accumulator a tie, 3.0 takes
    /// the left-shift path, large biases saturate. Expected: TFLite's x86-64 arithmetic as the compiler reproduces it.
    /// </summary>
    [VnniTheory]
    [InlineData(-128, 0)]
    [InlineData(5, -3)]
    [InlineData(127, 17)]
    public void Requantisation_rounds_ties_shifts_and_saturates_as_tflite_x86_does(int inZeroPoint, int outZeroPoint)
    {
        const int Out = 16, In = 4;
        double[] reals = [0.5, 0.25, 3.0, 0.75, 1.0 / 3, 0.0078125, 0.9999, 1e-4, 0.5, 0.25, 0.125, 2.0, 0.3, 0.6, 1.5, 0.05];
        int[] biases = [0, 1, -1, 7, -7, 1000, -1000, 0, 100_000, -100_000, 3, -3, 0, 50, -50, 1 << 20];
        var multipliers = reals.Select(QuantisedMultiplier.From).ToArray();
        var weights = new sbyte[Out * In];
        for (var o = 0; o < Out; o++) weights[o * In] = 1;
        var kernel = new PointwiseConvolution(weights, Out, In, biases, multipliers.Select(m => m.Significand).ToArray(),
            multipliers.Select(m => m.Shift).ToArray(), inZeroPoint, outZeroPoint);
        var frames = 256;
        var input = new sbyte[frames * In];
        for (var t = 0; t < frames; t++)
        {
            input[t * In] = (sbyte)(t - 128);
            input[t * In + 1] = (sbyte)(t * 7); // ignored by the zero weights
        }

        var output = new byte[frames * Out];
        kernel.Run(ToOffset(input), output, frames);

        var actual = FromOffset(output);
        for (var t = 0; t < frames; t++)
        {
            for (var o = 0; o < Out; o++)
            {
                var accumulator = (t - 128 - inZeroPoint) + biases[o];
                var expected = Int8Kernels.Saturate(FixedPoint.MultiplyByQuantisedMultiplier(accumulator, multipliers[o], TieRounding.Upward) + outZeroPoint);
                Assert.True(expected == actual[t * Out + o], $"frame {t}, channel {o} (×{reals[o]}, accumulator {accumulator}): {actual[t * Out + o]}, expected {expected}");
            }
        }
    }

    [Fact]
    public void Channel_counts_outside_the_kernels_blocks_are_refused_with_the_counts()
    {
        var error = Assert.Throws<ArgumentException>(() => new PointwiseConvolution(new sbyte[40 * 80], 40, 80, new int[40],
            new int[40], new int[40], 0, 0));
        Assert.Contains("80 → 40", error.Message);
    }

    /// <summary>The kernel's activations: the int8 code + 128, the unsigned operand vpdpbusd wants.</summary>
    private static byte[] ToOffset(sbyte[] values) => values.Select(v => (byte)(v + 128)).ToArray();

    private static sbyte[] FromOffset(byte[] values) => values.Select(v => (sbyte)(v - 128)).ToArray();
}
