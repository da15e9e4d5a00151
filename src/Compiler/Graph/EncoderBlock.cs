namespace Dipper.Compiler.Graph;

/// <summary>
/// One block of a convolutional CTC encoder (Bonito/QuartzNet style, the default model's kind): <paramref name="Repeat"/>
/// convolutions of <paramref name="Kernel"/> taps with BatchNorm, swish between them and after the block, and, when
/// <paramref name="Residual"/>, a 1×1 convolution of the block's input added before the last swish. Described this way
/// so that a new architecture is a list of blocks, as bonito's model configurations list them.
/// </summary>
/// <param name="Channels">Output channels of every convolution in the block.</param>
/// <param name="Repeat">Convolutions in the block.</param>
/// <param name="Kernel">Taps of each convolution (odd: the output is centred on its input).</param>
/// <param name="Stride">Stride of each convolution; the model's stride is the product over its blocks.</param>
/// <param name="Residual">Adds a 1×1 convolution of the block's input before the last swish.</param>
/// <param name="Separable">Each convolution is depthwise, then 1×1 (depthwise-separable).</param>
public sealed record EncoderBlock(int Channels, int Repeat, int Kernel, int Stride = 1, bool Residual = false, bool Separable = false)
{
    /// <summary>What is wrong with the block, or null: sizes must be positive, kernels odd, and a strided block a single convolution without residual.</summary>
    public string? Problem()
    {
        if (Channels < 1 || Repeat < 1 || Kernel < 1 || Stride < 1)
            return $"channels, repeat, kernel and stride must be at least 1 (channels {Channels}, repeat {Repeat}, kernel {Kernel}, stride {Stride})";
        if (Kernel % 2 == 0) return $"kernel {Kernel} is even: the encoder centres each output on its input, which needs an odd kernel";
        if (Stride > 1 && (Repeat > 1 || Residual))
            return $"a block with stride {Stride} must be a single convolution without residual (every convolution of a block takes its stride, and the residual branch keeps the input's length)";
        return null;
    }
}
