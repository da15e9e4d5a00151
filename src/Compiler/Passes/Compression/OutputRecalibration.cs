using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Execution;
using Dipper.Compiler.Graph.Operations;

namespace Dipper.Compiler.Passes.Compression;

/// <summary>
/// BatchNorm re-estimation for a model whose BatchNorms are folded into its convolutions. After
/// one-shot compression a layer's output channels drift in mean and spread, and the drift compounds
/// through the layers after it; re-estimating BatchNorm statistics undoes it (the DSF paper's ResNet-50
/// runs owe most of their accuracy to it). With the BatchNorm folded, the same correction is a per
/// channel affine map y′_c = a_c·y_c + s_c chosen so that on the calibration chunks the compressed
/// layer's output has the dense model's mean and standard deviation at that node: a_c folds into the
/// channel's weight row (zeros stay zeros, so the sparsity pattern is unchanged), s_c into the bias.
/// </summary>
public static class OutputRecalibration
{
    /// <summary>
    /// Smallest scale applied to a channel. A channel whose spread changed by more than a factor of
    /// two has lost (or gained) more than a BatchNorm-like rescale can restore: what is left is mostly
    /// compression error, and stretching it to the dense spread would amplify that error into the next
    /// layer. Within [0.5, 2] the rescale corrects drift; beyond it we only go as far as the bound.
    /// </summary>
    public const double MinScale = 0.5;

    /// <summary>Largest scale applied to a channel; see <see cref="MinScale"/>.</summary>
    public const double MaxScale = 2;

    /// <summary>
    /// Standard deviation below which a channel counts as constant on the calibration chunks: its
    /// spread says nothing about a scale (0/0), so only its mean is shifted.
    /// </summary>
    public const double ConstantChannel = 1e-6;

    /// <summary>Per-channel scale and shift that give <paramref name="compressed"/> the mean and spread of <paramref name="dense"/>.</summary>
    /// <param name="compressed">The compressed layer's output on the calibration chunks (one tensor per batch).</param>
    /// <param name="dense">The dense model's output at the same node on the same chunks.</param>
    /// <param name="channelAxis">Axis of the channels: 1 for a convolution, the last for a linear layer.</param>
    public static (double[] Scale, double[] Shift) Match(IReadOnlyList<FloatTensor> compressed, IReadOnlyList<FloatTensor> dense, int channelAxis)
    {
        var (meanC, stdC) = Statistics(compressed, channelAxis);
        var (meanD, stdD) = Statistics(dense, channelAxis);
        var scale = new double[meanC.Length];
        var shift = new double[meanC.Length];
        for (var c = 0; c < scale.Length; c++)
        {
            scale[c] = stdC[c] < ConstantChannel || stdD[c] < ConstantChannel ? 1 : Math.Clamp(stdD[c] / stdC[c], MinScale, MaxScale);
            shift[c] = meanD[c] - scale[c] * meanC[c];
        }
        return (scale, shift);
    }

    /// <summary>Mean and (population) standard deviation of every channel over batch and time.</summary>
    public static (double[] Mean, double[] Std) Statistics(IReadOnlyList<FloatTensor> values, int channelAxis)
    {
        var first = values[0];
        var axis = channelAxis < 0 ? channelAxis + first.Rank : channelAxis;
        var channels = first.Shape[axis];
        var sum = new double[channels];
        var squares = new double[channels];
        long count = 0;
        foreach (var tensor in values)
        {
            var inner = Inner(tensor, axis);
            var v = tensor.Values;
            for (var i = 0; i < v.Length; i++)
            {
                var c = i / inner % channels;
                sum[c] += v[i];
                squares[c] += (double)v[i] * v[i];
            }
            count += v.Length / channels;
        }
        var mean = new double[channels];
        var std = new double[channels];
        for (var c = 0; c < channels; c++)
        {
            mean[c] = sum[c] / count;
            std[c] = Math.Sqrt(Math.Max(0, squares[c] / count - mean[c] * mean[c]));
        }
        return (mean, std);
    }

    /// <summary>‖y_dense − y‖² / ‖y_dense‖² over all chunks.</summary>
    public static double RelativeError(IReadOnlyList<FloatTensor> dense, IReadOnlyList<FloatTensor> compressed)
    {
        double error = 0, total = 0;
        for (var b = 0; b < dense.Count; b++)
        {
            var (d, y) = (dense[b].Values, compressed[b].Values);
            for (var i = 0; i < d.Length; i++)
            {
                var e = (double)d[i] - y[i];
                error += e * e;
                total += (double)d[i] * d[i];
            }
        }
        return total > 0 ? error / total : 0;
    }

    /// <summary>
    /// Folds the scale into the rows of <paramref name="node"/>'s weight and the shift into its bias
    /// (adding a bias named after the node when it had none), and returns the node that reads them.
    /// </summary>
    /// <param name="node">A convolution or linear node.</param>
    /// <param name="scale">a_c per output channel.</param>
    /// <param name="shift">s_c per output channel.</param>
    /// <param name="weights">The graph's weights, updated in place.</param>
    /// <param name="taken">Names in use; a new bias name is added.</param>
    public static GraphNode Fold(GraphNode node, double[] scale, double[] shift, IDictionary<string, WeightTensor> weights, ISet<string> taken)
    {
        var (weightName, biasName) = node.Operation switch
        {
            Conv1d conv => (conv.Weight, conv.Bias),
            Linear linear => (linear.Weight, linear.Bias),
            _ => throw new ArgumentException($"node '{node.Name}' ({node.Operation.Kind}) has no weight rows to rescale"),
        };
        var weight = weights[weightName];
        var rows = weight.Shape[0];
        var row = weight.Count / rows;
        var kernel = weight.Values.ToArray();
        for (var c = 0; c < rows; c++)
            foreach (ref var w in kernel.AsSpan(c * row, row)) w = (float)(w * scale[c]);
        weights[weightName] = new WeightTensor(weight.Shape, kernel);

        var oldBias = biasName is null ? null : weights[biasName].Values.ToArray();
        var bias = new float[rows];
        for (var c = 0; c < rows; c++) bias[c] = (float)(scale[c] * (oldBias?[c] ?? 0) + shift[c]);
        if (biasName is null)
        {
            biasName = $"{node.Name}.bias";
            for (var k = 2; !taken.Add(biasName); k++) biasName = $"{node.Name}.bias{k}";
        }
        weights[biasName] = new WeightTensor([rows], bias);
        return node.Operation switch
        {
            Conv1d conv => node with { Operation = conv with { Bias = biasName } },
            Linear linear => node with { Operation = linear with { Bias = biasName } },
            _ => node,
        };
    }

    /// <summary>The channel axis of a layer's output.</summary>
    public static int ChannelAxis(GraphNode node) => node.Operation is Linear ? -1 : 1;

    private static int Inner(FloatTensor tensor, int axis)
    {
        var inner = 1;
        for (var d = axis + 1; d < tensor.Rank; d++) inner *= tensor.Shape[d];
        return inner;
    }
}
