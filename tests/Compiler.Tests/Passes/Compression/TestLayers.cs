using Dipper.Compiler.Numerics;
using Dipper.Compiler.Passes.Compression;

namespace Dipper.Compiler.Tests.Passes.Compression;

/// <summary>Small layers for the method tests, made the way the reference makes its layers.</summary>
internal static class TestLayers
{
    /// <summary>The reference's synthetic layer in float32 with H = XᵀX of the float32 inputs (as the reference uses them).</summary>
    public static (Matrix<float> Weights, Matrix<double> Gram) Synthetic(int outputs, int inputs, int seed, int samples = 512)
    {
        var (w, x) = SyntheticLayer.Make(outputs, inputs, samples, seed);
        return (w.Convert<float>(), GramMatrix.Of(x.Convert<float>().Convert<double>()));
    }

    public static double Error(Matrix<float> w, Matrix<float> compressed, Matrix<double> h) => ReconstructionError.Relative(w, compressed, h);

    public static int NonzerosInRowGroup(Matrix<float> w, int row, int start, int length)
    {
        var count = 0;
        foreach (var v in w.Row(row).Slice(start, length))
            if (v != 0) count++;
        return count;
    }
}
