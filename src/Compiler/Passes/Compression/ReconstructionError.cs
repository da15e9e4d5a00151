using Dipper.Compiler.Numerics;

namespace Dipper.Compiler.Passes.Compression;

/// <summary>
/// How well compressed weights Ŵ reproduce a layer's outputs on its calibration inputs:
/// ‖XWᵀ − XŴᵀ‖²_F / ‖XWᵀ‖²_F = tr(ΔW H ΔWᵀ) / tr(W H Wᵀ) with H = XᵀX, the quantity every
/// method here minimises and the one the reference reports. Computed in float64 from H.
/// </summary>
public static class ReconstructionError
{
    /// <summary>The relative error of <paramref name="compressed"/> against <paramref name="weights"/>.</summary>
    public static double Relative(Matrix<float> weights, Matrix<float> compressed, Matrix<double> gram)
    {
        var (lost, kept) = Terms(weights, compressed, gram);
        return lost / kept;
    }

    /// <summary>
    /// Numerator tr(ΔW H ΔWᵀ) and denominator tr(W H Wᵀ) apart, so a layer compressed group by group
    /// (a depthwise convolution channel by channel) can sum them over its groups before dividing.
    /// </summary>
    public static (double Error, double Output) Terms(Matrix<float> weights, Matrix<float> compressed, Matrix<double> gram)
    {
        weights.RequireSameShape(compressed);
        var w = weights.Convert<double>();
        var delta = compressed.Convert<double>();
        for (var i = 0; i < w.Rows; i++)
            System.Numerics.Tensors.TensorPrimitives.Subtract(w.Row(i), delta.Row(i), delta.Row(i));
        return (Energy(delta, gram), Energy(w, gram));
    }

    /// <summary>tr(M H Mᵀ) = Σ_ij (M H)_ij M_ij.</summary>
    private static double Energy(Matrix<double> m, Matrix<double> gram)
    {
        var mh = MatrixProduct.Multiply(m, gram);
        var sum = 0.0;
        for (var i = 0; i < m.Rows; i++) sum += System.Numerics.Tensors.TensorPrimitives.Dot<double>(mh.Row(i), m.Row(i));
        return sum;
    }
}
