using Dipper.Compiler.Numerics;

namespace Dipper.Compiler.Passes.Compression;

/// <summary>
/// A layer replaced by two sparse factors, W ≈ Outer·Inner: the input goes through Inner first,
/// then Outer, so the deployed model runs it as two consecutive (smaller) layers.
/// </summary>
/// <param name="Outer">A (d_out × k).</param>
/// <param name="Inner">B (k × d_in).</param>
public sealed record FactorizedLayer(Matrix<float> Outer, Matrix<float> Inner)
{
    /// <summary>A·B, the dense weights the two layers compute together.</summary>
    public Matrix<float> Product() => MatrixProduct.Multiply(Outer, Inner);

    /// <summary>Weights the two factors store.</summary>
    public int Nonzeros => Outer.CountNonzeros() + Inner.CountNonzeros();
}
