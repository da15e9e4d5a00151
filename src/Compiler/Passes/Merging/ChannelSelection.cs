using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Execution;
using Dipper.Compiler.Graph.Operations;
using Dipper.Compiler.Numerics;

namespace Dipper.Compiler.Passes.Merging;

/// <summary>
/// Chooses which half of each doubled channel set of the concatenated network a merge keeps. A channel matters by
/// what it adds to the layers that read it: each full convolution or linear layer reading the set weighs its input
/// channel c by the norm of the weights that read c, and the weighted channel Gram matrices (zero lag, averaged over
/// frames) of all readers are summed. Pivoted Cholesky (<see cref="PivotedCholesky"/>) then keeps, one at a time, the
/// channel with the most weighted energy not already explained by the channels kept: energy first, and of two
/// channels that carry the same signal (a network merged with itself, or two seeds that learnt one feature) only one.
/// </summary>
public sealed class ChannelSelection
{
    private const int RowsPerBlock = 256;
    private readonly ModelGraph _doubled;
    private readonly ChannelSpaces _spaces;
    // Readers of each value: the full convolutions and linear layers whose channels a merge reduces.
    private readonly Dictionary<string, List<GraphNode>> _readers = [];
    private readonly Dictionary<string, GramMatrix> _grams = [];

    /// <summary>Prepares to watch <paramref name="doubled"/> (from <see cref="ModelConcatenation"/>) run on calibration chunks.</summary>
    public ChannelSelection(ModelGraph doubled, ChannelSpaces spaces)
    {
        (_doubled, _spaces) = (doubled, spaces);
        foreach (var node in doubled.Nodes)
        {
            var reads = node.Operation switch
            {
                Conv1d conv => !ChannelSpaces.IsDepthwise(conv),
                Linear => true,
                _ => false,
            };
            if (!reads || !spaces.IsReduced(node.Inputs[0])) continue;
            if (!_readers.TryGetValue(node.Inputs[0], out var list)) _readers[node.Inputs[0]] = list = [];
            list.Add(node);
            _grams[node.Name] = new GramMatrix(Width(node));
        }
    }

    /// <summary>Adds one value of one batch of chunks (an executor's observer; not thread-safe).</summary>
    public void Observe(string value, FloatTensor tensor)
    {
        if (!_readers.TryGetValue(value, out var readers)) return;
        foreach (var reader in readers) Add(_grams[reader.Name], tensor, reader.Operation is Linear);
    }

    /// <summary>The channels kept of every reduced set (ascending, so A's kept channels come before B's), by set.</summary>
    public IReadOnlyDictionary<int, ChannelChoice> Choose()
    {
        var weighted = new Dictionary<int, Matrix<double>>();
        foreach (var (value, readers) in _readers)
        {
            foreach (var reader in readers)
            {
                var gram = _grams[reader.Name];
                var g = gram.ToMatrix();
                var norms = ColumnNorms(reader);
                for (var i = 0; i < g.Rows; i++)
                    for (var j = 0; j < g.Columns; j++)
                        g[i, j] *= norms[i] * norms[j] / Math.Max(1, gram.Samples);
                var space = _spaces[value];
                if (weighted.TryGetValue(space, out var sum)) System.Numerics.Tensors.TensorPrimitives.Add(sum.AsSpan(), g.AsSpan(), sum.AsSpan());
                else weighted[space] = g;
            }
        }
        var choices = new Dictionary<int, ChannelChoice>();
        foreach (var (space, gram) in weighted)
        {
            var half = gram.Rows / 2;
            var order = PivotedCholesky.Select(gram, half, out var unexplained);
            var total = gram.Diagonal().Sum();
            var kept = order.Order().ToArray();
            choices[space] = new ChannelChoice(_spaces.Names[space], gram.Rows, kept, kept.Count(c => c < half),
                total > 0 ? Math.Max(0, 1 - unexplained / total) : 1);
        }
        return choices;
    }

    private int Width(GraphNode reader) => reader.Operation switch
    {
        Conv1d conv => conv.InChannels,
        Linear linear => linear.InFeatures,
        _ => throw new GraphException($"node '{reader.Name}' does not read channels"),
    };

    /// <summary>‖W[:, c, :]‖ for every input channel c of a convolution [out, in, k] or linear layer [out, in].</summary>
    private double[] ColumnNorms(GraphNode reader)
    {
        var weightName = reader.Operation is Conv1d conv ? conv.Weight : ((Linear)reader.Operation).Weight;
        var weight = _doubled.Weights[weightName];
        var (outs, ins) = (weight.Shape[0], weight.Shape[1]);
        var kernel = weight.Count / (outs * ins);
        var norms = new double[ins];
        for (var o = 0; o < outs; o++)
            for (var i = 0; i < ins; i++)
                for (var k = 0; k < kernel; k++)
                {
                    double w = weight.Values[(o * ins + i) * kernel + k];
                    norms[i] += w * w;
                }
        for (var i = 0; i < ins; i++) norms[i] = Math.Sqrt(norms[i]);
        return norms;
    }

    /// <summary>Adds every frame's channel vector of <paramref name="tensor"/> ([N, C, T], or [N, T, C] when <paramref name="channelsLast"/>).</summary>
    private static void Add(GramMatrix gram, FloatTensor tensor, bool channelsLast)
    {
        var channels = gram.Inputs;
        var values = tensor.Values;
        if (channelsLast)
        {
            var rows = values.Length / channels;
            for (var first = 0; first < rows; first += RowsPerBlock)
            {
                var count = Math.Min(RowsPerBlock, rows - first);
                gram.Add(new Matrix<float>(count, channels, values.AsSpan(first * channels, count * channels).ToArray()));
            }
            return;
        }
        var (batch, length) = (tensor.Dim(0), tensor.Dim(2));
        var block = new Matrix<double>(Math.Min(RowsPerBlock, length), channels);
        for (var b = 0; b < batch; b++)
        {
            for (var first = 0; first < length; first += RowsPerBlock)
            {
                var count = Math.Min(RowsPerBlock, length - first);
                var view = block.Block(0, 0, count, channels);
                for (var c = 0; c < channels; c++)
                {
                    var x = values.AsSpan((b * channels + c) * length + first, count);
                    for (var r = 0; r < count; r++) view[r, c] = x[r];
                }
                gram.Add(view);
            }
        }
    }
}

/// <summary>The channels a merge keeps of one doubled channel set.</summary>
/// <param name="Value">The set's first value, naming it.</param>
/// <param name="Width">Channels in the doubled set (A's, then B's).</param>
/// <param name="Kept">The kept channels, ascending.</param>
/// <param name="FromA">How many of them are A's (index below half the width).</param>
/// <param name="Explained">Share of the set's weighted energy the kept channels explain (1 when nothing is lost).</param>
public sealed record ChannelChoice(string Value, int Width, int[] Kept, int FromA, double Explained);
