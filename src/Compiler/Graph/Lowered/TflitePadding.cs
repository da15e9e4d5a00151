namespace Dipper.Compiler.Graph.Lowered;

/// <summary>TFLite's output-length and padding rules for SAME and VALID convolutions along one axis.</summary>
public static class TflitePadding
{
    /// <summary>Output length of a SAME convolution: ⌈length / stride⌉.</summary>
    public static int SameOutput(int length, int stride) => (length + stride - 1) / stride;

    /// <summary>Output length of a VALID convolution.</summary>
    public static int ValidOutput(int length, int kernel, int stride, int dilation) =>
        (length - ((kernel - 1) * dilation + 1) + stride) / stride;

    /// <summary>Zeros SAME padding puts before and after the input (the odd one goes after).</summary>
    public static (int Before, int After) Same(int length, int kernel, int stride, int dilation)
    {
        var total = Math.Max((SameOutput(length, stride) - 1) * stride + (kernel - 1) * dilation + 1 - length, 0);
        return (total / 2, total - total / 2);
    }
}
