using Dipper.Compiler.Numerics;

namespace Dipper.Compiler.Passes.Compression;

/// <summary>
/// The weights a layer should be compressed towards so that, on the inputs the compressed layers before it produce,
/// it gives back the dense model's output at that layer. Every layer-wise method minimises ‖(W − Ŵ)X̂‖: it keeps the
/// layer's own function on its new inputs X̂, so each layer's error is added to those upstream and never taken back.
/// Fitted to the dense output WX instead, a layer undoes part of what the layers before it lost. The dense
/// least-squares answer, pulled towards W by a ridge (λ = <see cref="DefaultDamping"/>·mean diag H),
///
///     W* = argmin ‖WX − W*X̂‖² + λ‖W* − W‖² = W (X̂ᵀX + λI)ᵀ (X̂ᵀX̂ + λI)⁻¹,
///
/// makes ‖WX − ŴX̂‖² equal ‖(W* − Ŵ)X̂‖² plus a constant (up to the ridge), so any method that compresses W* in
/// the metric H = X̂ᵀX̂ minimises the error against the dense output. Where X̂ = X (nothing upstream compressed)
/// W* = W. This is the asymmetric calibration of GPTAQ (2025) applied before each method rather than
/// inside one; on the default model it took DSF at 50 % from 2.95 to 1.94 identity points below dense one shot
/// (docs/finetune-recovery.md).
/// </summary>
public static class DenseOutputFit
{
    /// <summary>
    /// The ridge as a fraction of H's mean diagonal. 0.1 measured best of 0.001–1 on the default model (DSF 50 %,
    /// 16 calibration reads): smaller ones fit the calibration inputs' low-variance directions, larger ones stay
    /// near W and undo less.
    /// </summary>
    public const double DefaultDamping = 0.1;

    /// <summary>
    /// W* for one channel group: <paramref name="weights"/> W (outputs × inputs), <paramref name="gram"/>
    /// H = X̂ᵀX̂ and <paramref name="cross"/> X̂ᵀX (<see cref="LayerInputGram.CollectCross"/>), all in the layer's
    /// im2col column order.
    /// </summary>
    /// <exception cref="MatrixNotPositiveDefiniteException">H is singular even with the ridge (inputs that are all zero).</exception>
    public static Matrix<float> Target(Matrix<float> weights, Matrix<double> gram, Matrix<double> cross, double damping = DefaultDamping)
    {
        if (gram.Rows != weights.Columns || cross.Rows != weights.Columns || cross.Columns != weights.Columns)
            throw new ArgumentException($"weights {weights.Rows} × {weights.Columns} do not match H {gram.Rows} × {gram.Columns} and X̂ᵀX {cross.Rows} × {cross.Columns}");
        var w = weights.Convert<double>();
        var h = gram.Clone();
        var lambda = Damping.AddRelative(h, damping);
        // W (X̂ᵀX)ᵀ + λW, then times (H + λI)⁻¹.
        var right = MatrixProduct.Multiply(w, false, cross, true);
        System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(w.AsSpan(), lambda, right.AsSpan(), right.AsSpan());
        return MatrixProduct.Multiply(right, CholeskyFactor<double>.InvertSymmetricPositiveDefinite(h)).Convert<float>();
    }
}
