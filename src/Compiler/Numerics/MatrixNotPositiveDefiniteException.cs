namespace Dipper.Compiler.Numerics;

/// <summary>
/// A Cholesky factorisation met a non-positive pivot: the Gram matrix is singular beyond what the
/// damping covers (e.g. a calibration set with fewer distinct inputs than channels, or NaNs).
/// </summary>
public sealed class MatrixNotPositiveDefiniteException(string message) : ArithmeticException(message);
