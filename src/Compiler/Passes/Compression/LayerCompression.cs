using Dipper.Compiler.Numerics;

namespace Dipper.Compiler.Passes.Compression;

/// <summary>Runs one compression method on one layer: the single entry point for commands and benches.</summary>
public static class LayerCompression
{
    /// <summary>
    /// Compresses <paramref name="weights"/> (d_out × d_in) given H = XᵀX of its calibration inputs,
    /// to <paramref name="sparsity"/> or, when <paramref name="pattern"/> is set, to that n:m pattern.
    /// </summary>
    public static CompressedLayer Run(CompressionMethod method, Matrix<float> weights, Matrix<double> gram, double sparsity,
        NmPattern? pattern = null, AdmmOptions? admm = null, DsfOptions? dsf = null)
    {
        if (gram.Rows != weights.Columns || gram.Columns != weights.Columns)
            throw new ArgumentException($"Gram matrix is {gram.Rows} × {gram.Columns}, the layer has {weights.Columns} inputs");
        if (!(sparsity >= 0 && sparsity < 1)) throw new ArgumentOutOfRangeException(nameof(sparsity), "sparsity must be in [0, 1)");
        if (pattern is { } nm)
        {
            return method switch
            {
                CompressionMethod.Magnitude => new(MagnitudePruning.Prune(weights, nm), null),
                CompressionMethod.Wanda => new(WandaPruning.Prune(weights, gram, nm), null),
                CompressionMethod.SparseGpt => new(SparseGptPruning.Prune(weights, gram, nm), null),
                CompressionMethod.Admm => new(AdmmPruning.Prune(weights, gram, nm, admm), null),
                _ => throw new ArgumentException($"{method} has no n:m variant"),
            };
        }
        if (method == CompressionMethod.Dsf)
        {
            var factors = DoubleSparseFactorization.Factorize(weights, gram, sparsity, dsf);
            return new CompressedLayer(factors.Product(), factors);
        }
        return new CompressedLayer(method switch
        {
            CompressionMethod.Magnitude => MagnitudePruning.Prune(weights, sparsity),
            CompressionMethod.Wanda => WandaPruning.Prune(weights, gram, sparsity),
            CompressionMethod.SparseGpt => SparseGptPruning.Prune(weights, gram, sparsity),
            CompressionMethod.Admm => AdmmPruning.Prune(weights, gram, sparsity, admm),
            _ => throw new ArgumentOutOfRangeException(nameof(method)),
        }, null);
    }
}
