namespace Dipper.Compiler.Graph.Operations;

/// <summary>
/// 1-D transposed convolution over [batch, channels, time], as PyTorch's <c>nn.ConvTranspose1d</c> with one group:
/// weight [in, out, kernel], optional bias [out]. Each input frame t spreads its values over output frames
/// t·stride − padding … t·stride − padding + kernel − 1, so a stride-s transposed convolution brings a signal back
/// up to s times the frames: the depth-to-space step that ends an S2D block (DeepNano-coral's Conv2DTranspose,
/// TFLite's TRANSPOSE_CONV).
/// </summary>
public sealed record ConvTranspose1d : Operation
{
    /// <summary>Input channels.</summary>
    public required int InChannels { get; init; }

    /// <summary>Output channels.</summary>
    public required int OutChannels { get; init; }

    /// <summary>Kernel width in output frames.</summary>
    public required int KernelSize { get; init; }

    /// <summary>Output frames between the contributions of consecutive input frames: the upsampling factor.</summary>
    public int Stride { get; init; } = 1;

    /// <summary>Frames cut from each end of the full output, as PyTorch's padding of a transposed convolution.</summary>
    public int Padding { get; init; }

    /// <summary>Name of the kernel weight [in, out, kernel] (PyTorch's and ONNX's layout).</summary>
    public required string Weight { get; init; }

    /// <summary>Name of the bias [out], or null for none.</summary>
    public string? Bias { get; init; }

    /// <inheritdoc />
    public override string Kind => "ConvTranspose1d";

    /// <inheritdoc />
    public override IEnumerable<string> WeightNames => Bias is null ? [Weight] : [Weight, Bias];

    /// <summary>Output length for a fixed input length, as PyTorch computes it (no output padding, no dilation).</summary>
    public int OutputLength(int inputLength) => (inputLength - 1) * Stride - 2 * Padding + KernelSize;

    /// <inheritdoc />
    public override TensorShape InferShape(IReadOnlyList<TensorShape> inputs, Func<string, WeightTensor> weights)
    {
        Require(InChannels > 0 && OutChannels > 0 && KernelSize > 0 && Stride > 0 && Padding >= 0, "sizes must be positive");
        var input = inputs[0];
        Require(input.Rank == 3, $"input must be [batch, channels, time], is {input}");
        RequireSize(input[1], InChannels, "input channels");
        CheckWeight(weights, Weight, InChannels, OutChannels, KernelSize);
        if (Bias is not null) CheckWeight(weights, Bias, OutChannels);
        var length = Dim.Unknown;
        if (input[2].Size is { } t)
        {
            var outLength = OutputLength(t);
            Require(outLength >= 1, $"input length {t} gives no output frame with padding {Padding}");
            length = outLength;
        }
        return new TensorShape(input[0], OutChannels, length);
    }
}
