using Dipper.Compiler.Graph.Operations;

namespace Dipper.Compiler.Graph;

/// <summary>
/// Builds the graph of a convolutional CTC encoder from its blocks: the blocks in turn, then a linear layer to the
/// class scores and log-softmax over them. The one home of that layout: the default model's checkpoint is mapped
/// through it (<see cref="Import.SbonitoMapper"/>), and an architecture described in a file is built by it, so a model
/// trained from a file has the default model's node and weight names, and every pass and exporter takes it.
/// </summary>
public static class EncoderGraph
{
    /// <summary>Name of the graph input: normalised signal [batch, 1, samples].</summary>
    public const string InputName = "signal";

    /// <summary>Name of the graph output: log-probabilities [batch, frames, classes].</summary>
    public const string OutputName = "logprobs";

    /// <summary>BatchNorm's epsilon in the default model (bonito's).</summary>
    public const double BatchNormEpsilon = 1e-3;

    /// <summary>Supplies one weight: adds it to <paramref name="builder"/> under <paramref name="name"/> (the checkpoint's name) and returns that name.</summary>
    /// <param name="builder">The graph being built.</param>
    /// <param name="name">The weight's name, as bonito's state_dict names it.</param>
    /// <param name="shape">The shape the layer needs.</param>
    public delegate string WeightSource(GraphBuilder builder, string name, int[] shape);

    /// <summary>Weights of zeros in the shapes the layers need, to be drawn anew (<see cref="Training.FreshWeights"/>).</summary>
    public static WeightSource Zeros { get; } = (builder, name, shape) =>
    {
        var count = 1;
        foreach (var size in shape) count *= size;
        builder.Weight(name, new WeightTensor(shape, new float[count]));
        return name;
    };

    /// <summary>The model's stride: the product of its blocks' strides.</summary>
    public static int Stride(IEnumerable<EncoderBlock> blocks) => blocks.Aggregate(1, (s, b) => s * b.Stride);

    /// <summary>Builds and checks the graph (BatchNorms unfolded).</summary>
    /// <param name="name">The model's name.</param>
    /// <param name="blocks">The encoder's blocks, input first.</param>
    /// <param name="classes">Class scores per frame: the alphabet with its blank.</param>
    /// <param name="weights">Where each weight comes from.</param>
    /// <exception cref="GraphException">A weight has the wrong shape, or the graph is inconsistent.</exception>
    public static ModelGraph Build(string name, IReadOnlyList<EncoderBlock> blocks, int classes, WeightSource weights)
    {
        var builder = new GraphBuilder(name);
        var layers = new Layers(builder, weights);
        var x = builder.Input(InputName, new TensorShape(Dim.Named("batch"), 1, Dim.Named("samples")));
        var channels = 1;
        for (var b = 0; b < blocks.Count; b++)
        {
            x = layers.Block($"e.encoder.{b}", channels, blocks[b], x);
            channels = blocks[b].Channels;
        }
        x = builder.Add("permute", new Transpose { Permutation = [0, 2, 1] }, x);
        x = builder.Add("out", new Linear
        {
            InFeatures = channels,
            OutFeatures = classes,
            Weight = weights(builder, "out.weight", [classes, channels]),
            Bias = weights(builder, "out.bias", [classes]),
        }, x);
        builder.Add(OutputName, new LogSoftmax { Axis = -1 }, x);
        return builder.Build(new GraphValue(OutputName, new TensorShape(Dim.Named("batch"), Dim.Named("frames"), classes)));
    }

    /// <summary>Adds the nodes of blocks, named by bonito's module paths.</summary>
    private sealed class Layers(GraphBuilder builder, WeightSource weights)
    {
        /// <summary>
        /// Repeats of conv + BN with swish between them; a 1×1 conv + BN residual branch added before the final
        /// swish. Module indices follow bonito's ModuleList (conv, BN, swish, identity per repeat).
        /// </summary>
        public string Block(string prefix, int inChannels, EncoderBlock block, string input)
        {
            var y = input;
            var channels = inChannels;
            for (var r = 0; r < block.Repeat; r++)
            {
                var index = 4 * r;
                y = Convolution($"{prefix}.conv.{index}", channels, block.Channels, block.Kernel, block.Stride, block.Kernel / 2, block.Separable, y);
                y = BatchNorm($"{prefix}.conv.{index + 1}", block.Channels, y);
                if (r < block.Repeat - 1)
                    y = builder.Add($"{prefix}.conv.{index + 2}", new Swish(), y);
                channels = block.Channels;
            }
            if (block.Residual)
            {
                var residual = Convolution($"{prefix}.residual.0", inChannels, block.Channels, 1, 1, 0, false, input);
                residual = BatchNorm($"{prefix}.residual.1", block.Channels, residual);
                y = builder.Add($"{prefix}.add", new Add(), y, residual);
            }
            return builder.Add($"{prefix}.act", new Swish(), y);
        }

        private string Convolution(string prefix, int inChannels, int outChannels, int kernel, int stride, int padding, bool separable, string input)
        {
            if (!separable)
            {
                return builder.Add($"{prefix}.conv", new Conv1d
                {
                    InChannels = inChannels, OutChannels = outChannels, KernelSize = kernel, Stride = stride, Padding = padding,
                    Weight = weights(builder, $"{prefix}.conv.weight", [outChannels, inChannels, kernel]),
                }, input);
            }
            var depthwise = builder.Add($"{prefix}.depthwise", new Conv1d
            {
                InChannels = inChannels, OutChannels = inChannels, KernelSize = kernel, Stride = stride, Padding = padding, Groups = inChannels,
                Weight = weights(builder, $"{prefix}.depthwise.weight", [inChannels, 1, kernel]),
            }, input);
            return builder.Add($"{prefix}.pointwise", new Conv1d
            {
                InChannels = inChannels, OutChannels = outChannels, KernelSize = 1,
                Weight = weights(builder, $"{prefix}.pointwise.weight", [outChannels, inChannels, 1]),
            }, depthwise);
        }

        private string BatchNorm(string prefix, int channels, string input) =>
            builder.Add(prefix, new BatchNorm1d
            {
                Channels = channels,
                Epsilon = BatchNormEpsilon,
                Scale = weights(builder, $"{prefix}.weight", [channels]),
                Shift = weights(builder, $"{prefix}.bias", [channels]),
                RunningMean = weights(builder, $"{prefix}.running_mean", [channels]),
                RunningVariance = weights(builder, $"{prefix}.running_var", [channels]),
            }, input);
    }
}
