using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Lowered;

namespace Dipper.Compiler.Quantisation;

/// <summary>
/// Runs an int8 <see cref="LoweredGraph"/> in managed code with TFLite's integer arithmetic. It
/// predicts, to the bit or within one step, what the TFLite runtime and the Edge TPU compute, so
/// the quantised model can be checked operator by operator against the real runtime and reasoned
/// about without one. Slow (plain loops); meant for tests and small checks, not for base calling.
/// </summary>
public sealed class Int8Reference
{
    private readonly LoweredGraph _graph;
    private readonly TieRounding _convolutionTies;
    private readonly bool _arm64;

    /// <summary>
    /// Prepares to run a quantised graph. <paramref name="convolutionTies"/> is how CONV_2D rounds
    /// ties: <see cref="TieRounding.Upward"/> reproduces TFLite's optimised (ruy) kernel, the one
    /// the x86-64 runtime uses, bit for bit; <see cref="TieRounding.AwayFromZero"/> its reference kernel;
    /// <see cref="TieRounding.TruncatedHighMultiplyUpward"/> the arm64 runtime, the appliance's. On arm64
    /// DEPTHWISE_CONV_2D also rounds the ties of its channels in whole eights upward (its NEON output stage), where
    /// x86-64 and the reference kernels round them away from zero. ADD still parts from arm64 in about 1 value in 100,000
    /// (docs/arm64-int8.md); the other kernels compute the same on both architectures.
    /// </summary>
    /// <exception cref="GraphException">The graph is not fully int8.</exception>
    public Int8Reference(LoweredGraph graph, TieRounding convolutionTies = TieRounding.Upward)
    {
        _convolutionTies = convolutionTies;
        _arm64 = convolutionTies == TieRounding.TruncatedHighMultiplyUpward;
        foreach (var tensor in graph.Tensors.Where(t => !t.IsConstant))
        {
            if (tensor.Type != ElementType.Int8 || tensor.Quantisation is null)
                throw new GraphException($"graph '{graph.Name}': activation '{tensor.Name}' is not quantised to int8");
        }
        _graph = graph;
    }

    /// <summary>Runs the graph on an int8 input [1, batch, samples, 1]; <paramref name="observe"/> sees every activation by tensor index.</summary>
    public sbyte[] Run(ReadOnlySpan<sbyte> input, Action<int, sbyte[]>? observe = null)
    {
        var values = new Dictionary<int, sbyte[]>();
        var inputTensor = _graph.InputTensor;
        if (input.Length != inputTensor.ElementCount)
            throw new ArgumentException($"input needs {inputTensor.ElementCount} values {inputTensor.ShapeText}, got {input.Length}", nameof(input));
        values[_graph.Input] = input.ToArray();
        foreach (var op in _graph.Operators)
        {
            var result = new sbyte[_graph.Tensors[op.Output].ElementCount];
            Execute(op, values, result);
            values[op.Output] = result;
            observe?.Invoke(op.Output, result);
        }
        return values[_graph.Output];
    }

    private void Execute(LoweredOperator op, Dictionary<int, sbyte[]> values, sbyte[] output)
    {
        var tensors = _graph.Tensors;
        var x = tensors[op.FirstActivation];
        var y = tensors[op.Output];
        var px = x.Quantisation!.Parameters;
        var py = y.Quantisation!.Parameters;
        var input = values[op.FirstActivation];
        var (rows, inLength, inChannels) = x.Shape.Length == 4 ? (x.Shape[1], x.Shape[2], x.Shape[3]) : (0, 0, 0);
        switch (op.Kind)
        {
            case LoweredOpKind.Reshape:
                input.CopyTo(output, 0);
                break;
            case LoweredOpKind.LogSoftmax:
                Int8Kernels.LogSoftmax(input, px, x.Shape[^1], output, py);
                break;
            case LoweredOpKind.Pad:
                var paddings = (int[])tensors[op.Inputs[1]].Data!;
                Int8Kernels.Pad(input, rows, inLength, inChannels, paddings[4], paddings[5], output, (sbyte)py.ZeroPoint);
                break;
            case LoweredOpKind.Conv2D or LoweredOpKind.DepthwiseConv2D:
                var filter = tensors[op.Inputs[1]];
                var bias = (int[])tensors[op.Inputs[2]].Data!;
                var kernel = filter.Shape[2];
                var padBefore = op.Padding == ConvPadding.Same ? TflitePadding.Same(inLength, kernel, op.Stride, op.Dilation).Before : 0;
                var multipliers = Int8Kernels.ConvolutionMultipliers(px.Scale, filter.Quantisation!.Scales, py.Scale);
                if (op.Kind == LoweredOpKind.Conv2D)
                {
                    Int8Kernels.Conv(input, rows, inLength, inChannels, px.ZeroPoint, (sbyte[])filter.Data!, kernel, bias, multipliers,
                        output, y.Shape[2], y.Shape[3], py.ZeroPoint, op.Stride, op.Dilation, padBefore, _convolutionTies);
                }
                else
                {
                    Int8Kernels.Depthwise(input, rows, inLength, inChannels, px.ZeroPoint, (sbyte[])filter.Data!, kernel, bias, multipliers,
                        output, y.Shape[2], py.ZeroPoint, op.Stride, op.Dilation, padBefore, upwardChannels: _arm64 ? inChannels / 8 * 8 : 0);
                }
                break;
            case LoweredOpKind.TransposeConv:
                var transposedFilter = tensors[op.FilterInput];
                var taps = transposedFilter.Shape[2];
                var (outLength, outChannels) = (y.Shape[2], y.Shape[3]);
                // TFLite's cut before the first frame: half of what the full output has beyond the requested one.
                var cut = Math.Max(0, (inLength - 1) * op.Stride + taps - outLength) / 2;
                Int8Kernels.TransposeConv(input, rows, inLength, inChannels, px.ZeroPoint, (sbyte[])transposedFilter.Data!, taps,
                    op.HasBias ? (int[])tensors[op.BiasInput].Data! : [],
                    Int8Kernels.ConvolutionMultipliers(px.Scale, transposedFilter.Quantisation!.Scales, py.Scale),
                    output, outLength, outChannels, py.ZeroPoint, op.Stride, cut);
                break;
            case LoweredOpKind.Add:
                Int8Kernels.Add(input, px, values[op.Inputs[1]], tensors[op.Inputs[1]].Quantisation!.Parameters, output, py);
                break;
            case LoweredOpKind.Mul:
                Int8Kernels.Mul(input, px, values[op.Inputs[1]], tensors[op.Inputs[1]].Quantisation!.Parameters, output, py);
                break;
            case LoweredOpKind.Logistic:
                Int8Kernels.Lookup(input, Int8Kernels.LogisticTable(px, py), output);
                break;
            case LoweredOpKind.Relu or LoweredOpKind.Relu6:
                Int8Kernels.Relu(input, px, output, py, op.Kind == LoweredOpKind.Relu6 ? 6f : null);
                break;
            default:
                throw new GraphException($"operator '{op.Name}': {op.Kind} has no int8 reference");
        }
    }
}
