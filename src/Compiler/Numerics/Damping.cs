using System.Numerics;

namespace Dipper.Compiler.Numerics;

/// <summary>
/// Damping of a Gram matrix relative to its own scale: H + f·mean(diag H)·I. Every method's result
/// is then independent of whether H is a sum or a mean over the calibration set, and a layer with
/// dead or collinear inputs still has an invertible H.
/// </summary>
public static class Damping
{
    /// <summary>Adds <paramref name="fraction"/>·mean(diag H) to the diagonal in place; returns the amount added.</summary>
    public static T AddRelative<T>(Matrix<T> h, T fraction) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (h.Rows != h.Columns) throw new ArgumentException($"damping needs a square matrix, got {h.Rows} × {h.Columns}", nameof(h));
        var mean = T.Zero;
        for (var i = 0; i < h.Rows; i++) mean += h[i, i];
        mean /= T.CreateChecked(h.Rows);
        var amount = fraction * mean;
        h.AddToDiagonal(amount);
        return amount;
    }
}
