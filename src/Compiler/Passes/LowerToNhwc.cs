using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Lowered;
using Dipper.Compiler.Graph.Operations;

namespace Dipper.Compiler.Passes;

/// <summary>
/// Turns a 1-D convolutional base caller into the <see cref="LoweredGraph"/> that TFLite and the
/// Edge TPU run, for one fixed batch and chunk length. Values [batch, channels, time] become NHWC
/// images [1, batch, time, channels], the batch of chunks folded into the image height as
/// DeepNano-coral does: the Edge TPU accepts at most three dimensions above 1, and a 1 × k kernel
/// never mixes rows, so chunks stay independent. Conv1d becomes CONV_2D, depthwise Conv1d
/// DEPTHWISE_CONV_2D, ConvTranspose1d TRANSPOSE_CONV, Linear a 1 × 1 CONV_2D (the Edge TPU's FULLY_CONNECTED wants a 1-D output).
/// </summary>
/// <remarks>
/// Input and output keep the batch outermost, [batch, samples, 1] and [batch, frames, classes], as
/// the engines expect, with a RESHAPE to and from the image at each end (DeepNano-coral's
/// expand_dims and squeeze). Padding: TFLite has only SAME and VALID. SAME is used where it puts
/// the same zeros where PyTorch does (odd kernels at stride 1); otherwise (the stride-3 input
/// convolution, whose SAME padding would be 3 before and 3 after instead of 4 and 4) an explicit
/// PAD precedes a VALID convolution. A final log-softmax is kept as LOG_SOFTMAX by default, so every
/// engine reads log-probabilities from the output; TFLite fixes its int8 output to steps of 1/16
/// over [−16, 0], and the Edge TPU leaves this last operator to the CPU. With
/// <c>logSoftmaxInGraph: false</c> the graph ends with the class scores and the caller must apply
/// the log-softmax to the dequantised scores (<see cref="LoweredGraph.OutputIsLogits"/>).
/// </remarks>
public static class LowerToNhwc
{
    /// <summary>Name recorded in a package's provenance when this pass ran.</summary>
    public const string PassName = "lower-to-nhwc";

    private enum Layout
    {
        ChannelsThenTime,
        TimeThenChannels,
    }

    private sealed record Value(int Tensor, Layout Layout, int Time, int Channels);

    /// <summary>
    /// Lowers <paramref name="graph"/> (BatchNorm folded, swish lowered) for <paramref name="batch"/> chunks of <paramref name="samples"/>
    /// samples (of a frames-major input [batch, frames, channels]: windows of that many frames).
    /// </summary>
    /// <exception cref="GraphException">The graph uses something the lowered form cannot express; the message names the node.</exception>
    public static LoweredGraph Apply(ModelGraph graph, int batch, int samples, bool logSoftmaxInGraph = true)
    {
        if (batch < 1 || samples < 1) throw new ArgumentOutOfRangeException(nameof(batch), "batch and samples must be positive");
        if (graph.Inputs.Count != 1 || graph.Outputs.Count != 1)
            throw new GraphException($"graph '{graph.Name}': lowering needs one input and one output");
        var lowering = new Lowering(graph, batch);
        var input = graph.Inputs[0];
        // Signal [batch, 1, samples]; or frames-major [batch, frames, channels], as the part of a pooled model after the
        // pooling takes its windows (its first node transposes them). Either is rows [batch, time, channels] of the image.
        var (layout, channels) = input.Shape.Rank != 3 ? (Layout.ChannelsThenTime, 0)
            : input.Shape[1].Size == 1 ? (Layout.ChannelsThenTime, 1)
            : input.Shape[1].Size is null && input.Shape[2].Size is { } c ? (Layout.TimeThenChannels, c)
            : (Layout.ChannelsThenTime, 0);
        if (channels == 0)
            throw new GraphException($"graph '{graph.Name}': input '{input.Name}' must be [batch, 1, samples] or [batch, frames, channels], is {input.Shape}");
        var inputTensor = lowering.Rows(input.Name, samples, channels);
        var image = lowering.Reshape($"{input.Name}.image", inputTensor, [1, batch, samples, channels]);
        lowering.Values[input.Name] = new Value(image, layout, samples, channels);
        GraphNode? softmax = null;
        foreach (var node in graph.Nodes)
        {
            if (softmax is not null)
                throw new GraphException($"graph '{graph.Name}', node '{node.Name}': nothing may follow the final log-softmax");
            if (node.Operation is LogSoftmax logSoftmax)
            {
                var x = lowering.Values[node.Inputs[0]];
                if (x.Layout != Layout.TimeThenChannels || (logSoftmax.Axis != -1 && logSoftmax.Axis != 2))
                    throw new GraphException($"graph '{graph.Name}', node '{node.Name}': only a log-softmax over the classes of [batch, time, classes] is lowered");
                lowering.Values[node.Output] = x;
                softmax = node;
                continue;
            }
            lowering.Lower(node);
        }
        var output = lowering.Values[graph.Outputs[0].Name];
        if (output.Layout != Layout.TimeThenChannels)
            throw new GraphException($"graph '{graph.Name}': the output must be [batch, frames, classes]");
        var scoresName = softmax?.Inputs[0] ?? graph.Outputs[0].Name;
        var frames = lowering.Reshape($"{scoresName}.frames", output.Tensor, [batch, output.Time, output.Channels]);
        var result = frames;
        if (softmax is not null && logSoftmaxInGraph)
        {
            result = lowering.Rows(softmax.Output, output.Time, output.Channels);
            lowering.Operators.Add(new LoweredOperator { Kind = LoweredOpKind.LogSoftmax, Name = softmax.Name, Inputs = [frames], Output = result });
        }
        return new LoweredGraph(graph.Name, lowering.Tensors, lowering.Operators, inputTensor, result, batch, samples,
            outputIsLogits: softmax is not null && !logSoftmaxInGraph);
    }

    private sealed class Lowering(ModelGraph graph, int batch)
    {
        public List<LoweredTensor> Tensors { get; } = [];

        public List<LoweredOperator> Operators { get; } = [];

        public Dictionary<string, Value> Values { get; } = [];

        /// <summary>A [batch, time, channels] activation, the engines' layout at the model's edges.</summary>
        public int Rows(string name, int time, int channels) =>
            AddTensor(new LoweredTensor { Name = name, Shape = [batch, time, channels], Type = ElementType.Float32 });

        /// <summary>A RESHAPE of <paramref name="input"/> to <paramref name="shape"/>; returns the new tensor.</summary>
        public int Reshape(string name, int input, int[] shape)
        {
            var shapeTensor = AddTensor(new LoweredTensor { Name = $"{name}.shape", Shape = [shape.Length], Type = ElementType.Int32, Data = shape.ToArray() });
            var output = AddTensor(new LoweredTensor { Name = name, Shape = shape, Type = ElementType.Float32 });
            Operators.Add(new LoweredOperator { Kind = LoweredOpKind.Reshape, Name = name, Inputs = [input, shapeTensor], Output = output });
            return output;
        }

        public int Activation(string name, int time, int channels) =>
            AddTensor(new LoweredTensor { Name = name, Shape = [1, batch, time, channels], Type = ElementType.Float32 });

        private int AddTensor(LoweredTensor tensor)
        {
            Tensors.Add(tensor);
            return Tensors.Count - 1;
        }

        private int Constant(string name, int[] shape, float[] values) =>
            AddTensor(new LoweredTensor { Name = name, Shape = shape, Type = ElementType.Float32, Data = values });

        public void Lower(GraphNode node)
        {
            string Where() => $"graph '{graph.Name}', node '{node.Name}' ({node.Operation.Kind})";
            var x = Values[node.Inputs[0]];
            switch (node.Operation)
            {
                case Conv1d conv:
                    if (x.Layout != Layout.ChannelsThenTime) throw new GraphException($"{Where()}: convolves a [batch, time, channels] value");
                    Values[node.Output] = Convolution(node, conv, x, Where);
                    break;
                case ConvTranspose1d transposed:
                    if (x.Layout != Layout.ChannelsThenTime) throw new GraphException($"{Where()}: convolves a [batch, time, channels] value");
                    Values[node.Output] = TransposedConvolution(node, transposed, x, Where);
                    break;
                case Linear linear:
                    if (x.Layout != Layout.TimeThenChannels) throw new GraphException($"{Where()}: a linear layer over time is not lowered");
                    Values[node.Output] = Pointwise(node, linear, x);
                    break;
                case Transpose { Permutation: [0, 2, 1] }:
                    // [b, c, t] and [b, t, c] are the same NHWC image; only the bookkeeping changes.
                    Values[node.Output] = x with
                    {
                        Layout = x.Layout == Layout.ChannelsThenTime ? Layout.TimeThenChannels : Layout.ChannelsThenTime,
                    };
                    break;
                case Add or Mul:
                    var y = Values[node.Inputs[1]];
                    if (y.Layout != x.Layout) throw new GraphException($"{Where()}: its operands have different layouts");
                    Values[node.Output] = Elementwise(node, node.Operation is Add ? LoweredOpKind.Add : LoweredOpKind.Mul, [x.Tensor, y.Tensor], x);
                    break;
                case Logistic:
                    Values[node.Output] = Elementwise(node, LoweredOpKind.Logistic, [x.Tensor], x);
                    break;
                case Relu:
                    Values[node.Output] = Elementwise(node, LoweredOpKind.Relu, [x.Tensor], x);
                    break;
                case Relu6:
                    Values[node.Output] = Elementwise(node, LoweredOpKind.Relu6, [x.Tensor], x);
                    break;
                case Swish:
                    throw new GraphException($"{Where()}: run {LowerSwish.PassName} first (TFLite has no swish)");
                case BatchNorm1d:
                    throw new GraphException($"{Where()}: run {FoldBatchNorm.PassName} first (this BatchNorm does not follow a convolution it could fold into)");
                default:
                    throw new GraphException($"{Where()}: has no TFLite form here");
            }
        }

        private Value Elementwise(GraphNode node, LoweredOpKind kind, int[] inputs, Value like)
        {
            var output = Activation(node.Output, like.Time, like.Channels);
            Operators.Add(new LoweredOperator { Kind = kind, Name = node.Name, Inputs = inputs, Output = output });
            return like with { Tensor = output };
        }

        private Value Convolution(GraphNode node, Conv1d conv, Value x, Func<string> where)
        {
            var depthwise = conv.Groups > 1;
            if (depthwise && !(conv.Groups == conv.InChannels && conv.Groups == conv.OutChannels))
                throw new GraphException($"{where()}: grouped convolutions other than depthwise (groups = channels) are not lowered");
            var frames = conv.OutputLength(x.Time);
            var input = x.Tensor;
            var time = x.Time;
            ConvPadding padding;
            if (conv.Padding == 0)
            {
                padding = ConvPadding.Valid;
            }
            else if (SameMatches(conv, x.Time))
            {
                padding = ConvPadding.Same;
            }
            else
            {
                var paddings = AddTensor(new LoweredTensor
                {
                    Name = $"{node.Name}.paddings", Shape = [4, 2], Type = ElementType.Int32,
                    Data = new[] { 0, 0, 0, 0, conv.Padding, conv.Padding, 0, 0 },
                });
                time = x.Time + 2 * conv.Padding;
                var padded = Activation($"{node.Name}.padded", time, x.Channels);
                Operators.Add(new LoweredOperator { Kind = LoweredOpKind.Pad, Name = $"{node.Name}.pad", Inputs = [input, paddings], Output = padded });
                input = padded;
                padding = ConvPadding.Valid;
            }

            var weight = graph.Weights[conv.Weight];
            var (outC, k) = (conv.OutChannels, conv.KernelSize);
            var inPerGroup = conv.InChannels / conv.Groups;
            var filter = new float[weight.Count];
            for (var o = 0; o < outC; o++)
            {
                for (var i = 0; i < inPerGroup; i++)
                {
                    for (var tap = 0; tap < k; tap++)
                    {
                        var w = weight.Values[(o * inPerGroup + i) * k + tap];
                        // Depthwise [1, 1, k, channels]; dense [out, 1, k, in].
                        filter[depthwise ? tap * outC + o : (o * k + tap) * inPerGroup + i] = w;
                    }
                }
            }
            var filterTensor = Constant(conv.Weight, depthwise ? [1, 1, k, outC] : [outC, 1, k, inPerGroup], filter);
            var biasTensor = Constant(conv.Bias ?? $"{node.Name}.bias", [outC],
                conv.Bias is null ? new float[outC] : graph.Weights[conv.Bias].Values.ToArray());
            var output = Activation(node.Output, frames, outC);
            Operators.Add(new LoweredOperator
            {
                Kind = depthwise ? LoweredOpKind.DepthwiseConv2D : LoweredOpKind.Conv2D,
                Name = node.Name,
                Inputs = [input, filterTensor, biasTensor],
                Output = output,
                Stride = conv.Stride,
                Dilation = conv.Dilation,
                Padding = padding,
            });
            if (SameLength(padding, conv, time) != frames)
                throw new GraphException($"{where()}: lowered output length {SameLength(padding, conv, time)} differs from {frames}");
            return new Value(output, Layout.ChannelsThenTime, frames, outC);
        }

        /// <summary>
        /// TRANSPOSE_CONV: VALID when PyTorch cuts nothing (output (t − 1)·s + k), SAME when it cuts (k − s)/2 frames at
        /// each end (output t·s, TFLite's SAME cut); TFLite has no other cut. The filter [in, out, k] becomes OHWI
        /// [out, 1, k, in] with the taps in the same order: both scatter input frame t to output frames t·s + tap − cut.
        /// </summary>
        private Value TransposedConvolution(GraphNode node, ConvTranspose1d conv, Value x, Func<string> where)
        {
            var (inC, outC, k) = (conv.InChannels, conv.OutChannels, conv.KernelSize);
            var frames = conv.OutputLength(x.Time);
            ConvPadding padding;
            if (conv.Padding == 0) padding = ConvPadding.Valid;
            else if (2 * conv.Padding == k - conv.Stride) padding = ConvPadding.Same;
            else throw new GraphException($"{where()}: TFLite's TRANSPOSE_CONV cuts 0 or (kernel − stride)/2 frames at each end, not {conv.Padding}");
            var weight = graph.Weights[conv.Weight].Values;
            var filter = new float[weight.Length];
            for (var i = 0; i < inC; i++)
                for (var o = 0; o < outC; o++)
                    for (var tap = 0; tap < k; tap++)
                        filter[(o * k + tap) * inC + i] = weight[(i * outC + o) * k + tap];
            var outputShape = AddTensor(new LoweredTensor
            {
                Name = $"{node.Name}.output_shape", Shape = [4], Type = ElementType.Int32, Data = new[] { 1, batch, frames, outC },
            });
            var filterTensor = Constant(conv.Weight, [outC, 1, k, inC], filter);
            // Without a bias, none is written (three inputs), as DeepNano-coral's models have it.
            int[] bias = conv.Bias is null ? [] : [Constant(conv.Bias, [outC], graph.Weights[conv.Bias].Values.ToArray())];
            var output = Activation(node.Output, frames, outC);
            Operators.Add(new LoweredOperator
            {
                Kind = LoweredOpKind.TransposeConv,
                Name = node.Name,
                Inputs = [outputShape, filterTensor, x.Tensor, .. bias],
                Output = output,
                Stride = conv.Stride,
                Padding = padding,
            });
            return new Value(output, Layout.ChannelsThenTime, frames, outC);
        }

        private Value Pointwise(GraphNode node, Linear linear, Value x)
        {
            var filter = Constant(linear.Weight, [linear.OutFeatures, 1, 1, linear.InFeatures], graph.Weights[linear.Weight].Values.ToArray());
            var bias = Constant(linear.Bias ?? $"{node.Name}.bias", [linear.OutFeatures],
                linear.Bias is null ? new float[linear.OutFeatures] : graph.Weights[linear.Bias].Values.ToArray());
            var output = Activation(node.Output, x.Time, linear.OutFeatures);
            Operators.Add(new LoweredOperator { Kind = LoweredOpKind.Conv2D, Name = node.Name, Inputs = [x.Tensor, filter, bias], Output = output });
            return new Value(output, Layout.TimeThenChannels, x.Time, linear.OutFeatures);
        }

        /// <summary>True when TFLite's SAME padding puts exactly PyTorch's zeros before the signal and yields PyTorch's length.</summary>
        private static bool SameMatches(Conv1d conv, int time)
        {
            var (before, _) = TflitePadding.Same(time, conv.KernelSize, conv.Stride, conv.Dilation);
            return before == conv.Padding && TflitePadding.SameOutput(time, conv.Stride) == conv.OutputLength(time);
        }

        private static int SameLength(ConvPadding padding, Conv1d conv, int time) => padding == ConvPadding.Same
            ? TflitePadding.SameOutput(time, conv.Stride)
            : TflitePadding.ValidOutput(time, conv.KernelSize, conv.Stride, conv.Dilation);
    }
}
