using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Execution;
using Dipper.Compiler.Graph.Operations;
using Dipper.Compiler.Numerics;
using Dipper.Compiler.Passes.Compression;

namespace Dipper.Compiler.Passes.Merging;

/// <summary>
/// The least-squares refit of one layer of a merged network. After half of a doubled channel set is dropped, a layer
/// that read it has lost inputs (a kept A channel of the block-diagonal doubled layer read only A's channels, some of
/// which are gone), so its weights are refitted to reproduce what the doubled network's layer computes from what the
/// merged network still has: W′ = argmin ‖Y − X·W′‖² + λ‖W′‖², with X the merged layer's im2col input (kept channels,
/// plus a column of ones for the bias) and Y the doubled layer's output on its kept channels, over the calibration
/// chunks. Closed form W′ = (XᵀX + λI)⁻¹XᵀY, λ a fraction of mean(diag XᵀX) (<see cref="Damping"/>). Needs no
/// labels, only forward passes, and runs on the merged network's own (already refitted) upstream, so each layer
/// corrects the error of the layers before it.
/// </summary>
public sealed class ConsumerRefit
{
    private const int RowsPerBlock = 256;
    private readonly GraphNode _node;
    private readonly int[] _outputs;
    private readonly int _features;
    private readonly bool _withBias;
    private readonly GramMatrix _gram;
    private readonly Matrix<double> _cross;
    private double _targetEnergy;

    /// <summary>Prepares to refit <paramref name="node"/> (a full convolution or linear layer of the merged network).</summary>
    /// <param name="node">The merged network's node.</param>
    /// <param name="outputs">The channels of the doubled layer's output it must reproduce, one per output of <paramref name="node"/>.</param>
    public ConsumerRefit(GraphNode node, int[] outputs)
    {
        (_node, _outputs) = (node, outputs);
        (_features, _withBias) = node.Operation switch
        {
            Conv1d conv when conv.Groups == 1 => (conv.InChannels * conv.KernelSize, conv.Bias is not null),
            Linear linear => (linear.InFeatures, linear.Bias is not null),
            _ => throw new GraphException($"node '{node.Name}' ({node.Operation.Kind}) is not a full convolution or linear layer to refit"),
        };
        _gram = new GramMatrix(_features + (_withBias ? 1 : 0));
        _cross = new Matrix<double>(_gram.Inputs, outputs.Length);
    }

    /// <summary>Inputs per output the refit solves for (im2col columns, plus one for the bias).</summary>
    public int Columns => _gram.Inputs;

    /// <summary>Adds one batch: the merged layer's input and the doubled layer's output on the same chunks.</summary>
    public void Add(FloatTensor input, FloatTensor doubledOutput)
    {
        var columns = _gram.Inputs;
        if (_node.Operation is Conv1d conv)
        {
            var frames = doubledOutput.Dim(2);
            var width = doubledOutput.Dim(1);
            var x = new Matrix<double>(Math.Min(RowsPerBlock, frames), columns);
            var y = new Matrix<double>(Math.Min(RowsPerBlock, frames), _outputs.Length);
            for (var b = 0; b < input.Dim(0); b++)
            {
                for (var first = 0; first < frames; first += RowsPerBlock)
                {
                    var count = Math.Min(RowsPerBlock, frames - first);
                    var xv = x.Block(0, 0, count, columns);
                    var yv = y.Block(0, 0, count, _outputs.Length);
                    LayerInputGram.FillPatches(conv, input, b, 0, first, xv.Block(0, 0, count, _features));
                    for (var o = 0; o < _outputs.Length; o++)
                    {
                        var row = doubledOutput.Values.AsSpan((b * width + _outputs[o]) * frames + first, count);
                        for (var r = 0; r < count; r++) yv[r, o] = row[r];
                    }
                    Accumulate(xv, yv);
                }
            }
            return;
        }
        var rows = input.Values.Length / _features;
        var classes = doubledOutput.Dim(-1);
        for (var first = 0; first < rows; first += RowsPerBlock)
        {
            var count = Math.Min(RowsPerBlock, rows - first);
            var xv = new Matrix<double>(count, columns);
            var yv = new Matrix<double>(count, _outputs.Length);
            for (var r = 0; r < count; r++)
            {
                var features = input.Values.AsSpan((first + r) * _features, _features);
                for (var j = 0; j < _features; j++) xv[r, j] = features[j];
                for (var o = 0; o < _outputs.Length; o++) yv[r, o] = doubledOutput.Values[(first + r) * classes + _outputs[o]];
            }
            Accumulate(xv, yv);
        }
    }

    private void Accumulate(Matrix<double> x, Matrix<double> y)
    {
        if (_withBias)
        {
            for (var r = 0; r < x.Rows; r++) x[r, _features] = 1;
        }
        _gram.Add(x);
        MatrixProduct.MultiplyAdd(1.0, x, true, y, false, 1.0, _cross);
        for (var r = 0; r < y.Rows; r++)
            foreach (var v in y.Row(r)) _targetEnergy += v * v;
    }

    /// <summary>
    /// Solves for the weights, writes them (and the bias) into <paramref name="weights"/> under the node's names, and
    /// returns the relative error ‖Y − XW‖²/‖Y‖² of the weights before and after.
    /// </summary>
    /// <param name="weights">The merged network's weights, holding the node's sliced weights; updated in place.</param>
    /// <param name="ridge">λ as a fraction of mean(diag XᵀX).</param>
    public (double Before, double After) Solve(IDictionary<string, WeightTensor> weights, double ridge)
    {
        var (weightName, biasName) = _node.Operation switch
        {
            Conv1d conv => (conv.Weight, conv.Bias),
            Linear linear => (linear.Weight, linear.Bias),
            _ => throw new GraphException($"node '{_node.Name}' has no weights to refit"),
        };
        var gram = _gram.ToMatrix();
        var before = Error(gram, Pack(weights[weightName], biasName is null ? null : weights[biasName]));
        var damped = gram.Clone();
        Damping.AddRelative(damped, ridge);
        var solution = CholeskyFactor<double>.Compute(damped).Solve(_cross);
        var after = Error(gram, solution);
        var shape = weights[weightName].Shape;
        var outs = shape[0];
        var values = new float[weights[weightName].Count];
        for (var o = 0; o < outs; o++)
            for (var j = 0; j < _features; j++)
                values[o * _features + j] = (float)solution[j, o];
        weights[weightName] = new WeightTensor(shape, values);
        if (biasName is not null)
            weights[biasName] = new WeightTensor([outs], Enumerable.Range(0, outs).Select(o => (float)solution[_features, o]).ToArray());
        return (before, after);
    }

    /// <summary>Weights [out, in, k] (and bias) as the solution's layout: row in·k + tap (then the bias row), one column per output.</summary>
    private Matrix<double> Pack(WeightTensor weight, WeightTensor? bias)
    {
        var outs = weight.Shape[0];
        var packed = new Matrix<double>(_gram.Inputs, outs);
        for (var o = 0; o < outs; o++)
        {
            for (var j = 0; j < _features; j++) packed[j, o] = weight.Values[o * _features + j];
            if (bias is not null) packed[_features, o] = bias.Values[o];
        }
        return packed;
    }

    /// <summary>‖Y − XW‖²/‖Y‖² from the accumulated XᵀX, XᵀY and ‖Y‖².</summary>
    private double Error(Matrix<double> gram, Matrix<double> w)
    {
        var gw = MatrixProduct.Multiply(gram, w);
        double quadratic = 0, linear = 0;
        for (var i = 0; i < w.Rows; i++)
            for (var o = 0; o < w.Columns; o++)
            {
                quadratic += w[i, o] * gw[i, o];
                linear += w[i, o] * _cross[i, o];
            }
        return _targetEnergy > 0 ? Math.Max(0, quadratic - 2 * linear + _targetEnergy) / _targetEnergy : 0;
    }
}
