namespace Dipper.Compiler.Graph.Operations;

/// <summary>
/// 1-D convolution over [batch, channels, time], as PyTorch's <c>nn.Conv1d</c>: weight
/// [out, in/groups, kernel], optional bias [out]. Groups equal to the channel count make it
/// depthwise, the building block of separable convolutions.
/// </summary>
public sealed record Conv1d : Operation
{
    /// <summary>Input channels.</summary>
    public required int InChannels { get; init; }

    /// <summary>Output channels.</summary>
    public required int OutChannels { get; init; }

    /// <summary>Kernel width in samples (or frames).</summary>
    public required int KernelSize { get; init; }

    /// <summary>Step between output positions; the product of strides is the model's downsampling.</summary>
    public int Stride { get; init; } = 1;

    /// <summary>Zeros added at each end of the time axis.</summary>
    public int Padding { get; init; }

    /// <summary>Spacing between kernel taps.</summary>
    public int Dilation { get; init; } = 1;

    /// <summary>Channel groups; each output channel sees only its group's inputs.</summary>
    public int Groups { get; init; } = 1;

    /// <summary>Name of the kernel weight [out, in/groups, kernel].</summary>
    public required string Weight { get; init; }

    /// <summary>Name of the bias [out], or null for none.</summary>
    public string? Bias { get; init; }

    /// <inheritdoc />
    public override string Kind => "Conv1d";

    /// <inheritdoc />
    public override IEnumerable<string> WeightNames => Bias is null ? [Weight] : [Weight, Bias];

    /// <summary>Output length for a fixed input length, as PyTorch computes it.</summary>
    public int OutputLength(int inputLength) =>
        (inputLength + 2 * Padding - Dilation * (KernelSize - 1) - 1) / Stride + 1;

    /// <inheritdoc />
    public override TensorShape InferShape(IReadOnlyList<TensorShape> inputs, Func<string, WeightTensor> weights)
    {
        Require(InChannels > 0 && OutChannels > 0 && KernelSize > 0 && Stride > 0 && Dilation > 0 && Padding >= 0 && Groups > 0,
            "sizes must be positive");
        Require(InChannels % Groups == 0 && OutChannels % Groups == 0,
            $"{InChannels} input and {OutChannels} output channels do not split into {Groups} groups");
        var input = inputs[0];
        Require(input.Rank == 3, $"input must be [batch, channels, time], is {input}");
        RequireSize(input[1], InChannels, "input channels");
        CheckWeight(weights, Weight, OutChannels, InChannels / Groups, KernelSize);
        if (Bias is not null) CheckWeight(weights, Bias, OutChannels);
        var length = Dim.Unknown;
        if (input[2].Size is { } t)
        {
            var outLength = OutputLength(t);
            Require(outLength >= 1, $"input length {t} is shorter than the kernel");
            length = outLength;
        }
        return new TensorShape(input[0], OutChannels, length);
    }
}
