namespace Dipper.Compiler.Graph.Lowered;

/// <summary>The operators a lowered graph uses: TFLite builtins that the Edge TPU also runs.</summary>
public enum LoweredOpKind
{
    /// <summary>PAD: zero padding along time (the zero point, once quantised); inputs [x, paddings int32 [4, 2]].</summary>
    Pad,

    /// <summary>CONV_2D over [1, batch, time, channels]; inputs [x, filter [out, 1, k, in], bias [out]].</summary>
    Conv2D,

    /// <summary>DEPTHWISE_CONV_2D, depth multiplier 1; inputs [x, filter [1, 1, k, channels], bias [channels]].</summary>
    DepthwiseConv2D,

    /// <summary>
    /// TRANSPOSE_CONV over [1, batch, time, channels] along time; inputs in TFLite's order [output shape int32 [4],
    /// filter [out, 1, k, in], x, bias [out] (optional)]: the activation is the third input.
    /// </summary>
    TransposeConv,

    /// <summary>ADD of two activations of one shape.</summary>
    Add,

    /// <summary>MUL of two activations of one shape.</summary>
    Mul,

    /// <summary>LOGISTIC σ(x); in int8 its output is fixed at scale 1/256, zero point −128.</summary>
    Logistic,

    /// <summary>RELU.</summary>
    Relu,

    /// <summary>RELU6.</summary>
    Relu6,

    /// <summary>RESHAPE: [batch, samples, 1] in to the [1, batch, samples, 1] image, and the image out to [batch, frames, classes]; inputs [x, shape int32].</summary>
    Reshape,

    /// <summary>LOG_SOFTMAX over the classes; in int8 its output is fixed at scale 16/256, zero point 127.</summary>
    LogSoftmax,
}

/// <summary>How a convolution pads time, in TFLite's two modes.</summary>
public enum ConvPadding
{
    /// <summary>No padding.</summary>
    Valid,

    /// <summary>Output length ⌈input / stride⌉, padding split with the smaller half first.</summary>
    Same,
}

/// <summary>
/// One operator of a lowered graph, reading and writing tensors by index. Convolutions work along
/// the W (time) axis only: kernels are 1 × k, strides and dilations are 1 along H (the batch of chunks).
/// </summary>
public sealed record LoweredOperator
{
    /// <summary>Which operator.</summary>
    public required LoweredOpKind Kind { get; init; }

    /// <summary>The source node's name, for reports.</summary>
    public required string Name { get; init; }

    /// <summary>Input tensor indices, in the operator's order.</summary>
    public required int[] Inputs { get; init; }

    /// <summary>Output tensor index.</summary>
    public required int Output { get; init; }

    /// <summary>The tensor index of the activation the operator reads first: its first input, but TRANSPOSE_CONV's third.</summary>
    public int FirstActivation => Inputs[Kind == LoweredOpKind.TransposeConv ? 2 : 0];

    /// <summary>
    /// False for a TRANSPOSE_CONV without a bias (three inputs): DeepNano-coral leaves it off because the TFLite it
    /// targeted had none (coral.md §2), so the S2D block puts its bias into the residual branch instead.
    /// </summary>
    public bool HasBias => Kind != LoweredOpKind.TransposeConv || Inputs.Length == 4;

    /// <summary>The tensor index of a convolution's bias: its third input, but TRANSPOSE_CONV's fourth (see <see cref="HasBias"/>).</summary>
    public int BiasInput => HasBias
        ? Inputs[Kind == LoweredOpKind.TransposeConv ? 3 : 2]
        : throw new InvalidOperationException($"operator '{Name}' has no bias");

    /// <summary>The tensor index of a convolution's filter (the second input of all three kinds).</summary>
    public int FilterInput => Inputs[1];

    /// <summary>Step along time (convolutions; for TRANSPOSE_CONV the upsampling factor).</summary>
    public int Stride { get; init; } = 1;

    /// <summary>Spacing of kernel taps along time (convolutions).</summary>
    public int Dilation { get; init; } = 1;

    /// <summary>Padding mode (convolutions).</summary>
    public ConvPadding Padding { get; init; } = ConvPadding.Valid;
}
