using Dipper.Compiler.Numerics;

namespace Dipper.Compiler.Passes.Compression;

/// <summary>
/// The outcome of compressing one layer: the weights the layer now computes and what has to be
/// stored for them (for DSF, the two factors, whose product is <see cref="Weights"/>).
/// </summary>
/// <param name="Weights">Ŵ (d_out × d_in).</param>
/// <param name="Factors">The factors, for DSF; null for pruning.</param>
public sealed record CompressedLayer(Matrix<float> Weights, FactorizedLayer? Factors)
{
    /// <summary>Stored nonzeros: nnz(Ŵ), or nnz(A) + nnz(B).</summary>
    public int StoredNonzeros => Factors?.Nonzeros ?? Weights.CountNonzeros();

    /// <summary>1 − stored nonzeros / numel(W): the reference's achieved sparsity.</summary>
    public double Sparsity => 1 - (double)StoredNonzeros / Weights.Count;
}
