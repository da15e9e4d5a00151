using Dipper.Compiler.Numerics;

namespace Dipper.Compiler.Passes.Factorization;

/// <summary>
/// The data-aware fit behind the KSeparable rewrite. A K-tap convolution C → C_out (K a multiple of 3)
/// becomes a dense 3-tap convolution followed by a (K/3)-tap depthwise convolution dilated by 3, whose
/// kernel for output channel o is W′[o, i, 3j + s] = A[o, i, s]·B[o, j]: for each output channel the
/// C·3 × K/3 matrix of its taps has rank 1. Each output channel's (A, B) minimises
/// (w − w′)ᵀ H (w − w′), H = XᵀX being the Gram matrix of the layer's input patches on the calibration
/// chunks, the same H the layer-wise pruning methods (ADMM) minimise under. It starts from the plain
/// best rank-1 split (the leading singular pair, by power iteration) and alternates exact least-squares
/// solves for B (K/3 unknowns) and A (3·C unknowns), each of which can only lower the error.
/// </summary>
public static class KSeparableFit
{
    /// <summary>Taps of the dense convolution (coral's KSeparableConv splits with 3).</summary>
    public const int DenseTaps = 3;

    /// <summary>Alternating rounds after the unweighted start; the error changes little after a few.</summary>
    public const int Rounds = 4;

    /// <summary>Damping of the small normal equations, relative to their mean diagonal: tried in turn (each adds to the last).</summary>
    private static readonly double[] DampingFractions = [1e-4, 1e-2];

    /// <summary>The fitted factors of one layer.</summary>
    /// <param name="Dense">A as [out, in, 3], row-major: the dense 3-tap convolution's kernel.</param>
    /// <param name="Depthwise">B as [out, K/3] (or [in, K/3] when the depthwise layer comes first, <see cref="KSeparableDepthwiseFirstFit"/>), row-major: the dilated depthwise convolution's kernel.</param>
    /// <param name="Error">tr(ΔW H ΔWᵀ), summed over output channels.</param>
    /// <param name="Energy">tr(W H Wᵀ), the output energy the error is relative to.</param>
    public sealed record Factors(float[] Dense, float[] Depthwise, double Error, double Energy)
    {
        /// <summary>Error / energy: ‖WX − W′X‖² / ‖WX‖² on the calibration inputs.</summary>
        public double RelativeError => Energy > 0 ? Error / Energy : 0;
    }

    /// <summary>
    /// Fits every output channel of <paramref name="kernel"/> [out, in, taps] (taps a multiple of 3) under
    /// <paramref name="gram"/> (in·taps square, columns i·taps + tap); <paramref name="gram"/> null fits unweighted.
    /// </summary>
    /// <exception cref="ArgumentException">The taps are not a multiple of 3, or H does not fit the kernel.</exception>
    public static Factors Fit(float[] kernel, int outChannels, int inChannels, int taps, Matrix<double>? gram, int threads)
    {
        if (taps % DenseTaps != 0) throw new ArgumentException($"{taps} taps are not a multiple of {DenseTaps}", nameof(taps));
        var n = inChannels * taps;
        if (kernel.Length != outChannels * n) throw new ArgumentException($"kernel has {kernel.Length} values, expected {outChannels * n}", nameof(kernel));
        if (gram is not null && (gram.Rows != n || gram.Columns != n))
            throw new ArgumentException($"H is {gram.Rows} × {gram.Columns}, expected {n} × {n}", nameof(gram));
        var m = taps / DenseTaps;
        var dense = new float[outChannels * inChannels * DenseTaps];
        var depthwise = new float[outChannels * m];
        var errors = new double[outChannels];
        var energies = new double[outChannels];
        Parallel.For(0, outChannels, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) }, o =>
        {
            var w = new double[n];
            for (var x = 0; x < n; x++) w[x] = kernel[o * n + x];
            var (a, b) = LeadingPair(w, inChannels, m);
            if (gram is not null)
            {
                var hw = Multiply(gram, w);
                for (var round = 0; round < Rounds; round++)
                {
                    b = SolveDepthwise(gram, hw, a, b, inChannels, m) ?? b;
                    a = SolveDense(gram, hw, b, a, inChannels, m) ?? a;
                }
            }
            for (var x = 0; x < a.Length; x++) dense[o * a.Length + x] = (float)a[x];
            for (var j = 0; j < m; j++) depthwise[o * m + j] = (float)b[j];
            var delta = new double[n];
            for (var x = 0; x < n; x++) delta[x] = w[x] - (double)dense[o * a.Length + Channel(x, taps) * DenseTaps + x % DenseTaps] * depthwise[o * m + x % taps / DenseTaps];
            (errors[o], energies[o]) = gram is null ? (Dot(delta, delta), Dot(w, w)) : (Dot(delta, Multiply(gram, delta)), Dot(w, Multiply(gram, w)));
        });
        return new Factors(dense, depthwise, errors.Sum(), energies.Sum());
    }

    private static int Channel(int column, int taps) => column / taps;

    /// <summary>The leading singular pair of R[(i, s), j] = w[i·taps + 3j + s], split as a·bᵀ with the two scales balanced.</summary>
    private static (double[] A, double[] B) LeadingPair(double[] w, int channels, int m)
    {
        var taps = m * DenseTaps;
        var (a, b) = LeadingSingularPair((row, j) => w[row / DenseTaps * taps + DenseTaps * j + row % DenseTaps], channels * DenseTaps, m);
        // Balance the two factors' scales (the product is unchanged) so int8 quantisation treats both alike.
        var scale = Math.Sqrt(Math.Sqrt(Dot(a, a)) / Math.Max(Math.Sqrt(Dot(b, b)), 1e-30));
        if (scale > 0 && double.IsFinite(scale))
        {
            for (var r = 0; r < a.Length; r++) a[r] /= scale;
            for (var j = 0; j < m; j++) b[j] *= scale;
        }
        return (a, b);
    }

    /// <summary>
    /// The best rank-1 split left·rightᵀ of the <paramref name="rows"/> × <paramref name="columns"/> matrix
    /// <paramref name="r"/>, by power iteration from its column of largest norm (so an exactly rank-1 matrix is found in
    /// one step). Both KSeparable orders start from it, each reading the kernel as its own matrix.
    /// </summary>
    internal static (double[] Left, double[] Right) LeadingSingularPair(Func<int, int, double> r, int rows, int columns)
    {
        var left = new double[rows];
        var right = new double[columns];
        var best = 0;
        var bestNorm = -1.0;
        for (var j = 0; j < columns; j++)
        {
            var norm = 0.0;
            for (var row = 0; row < rows; row++) norm += r(row, j) * r(row, j);
            if (norm > bestNorm) (best, bestNorm) = (j, norm);
        }
        right[best] = 1;
        for (var iteration = 0; iteration < 50; iteration++)
        {
            var rr = Dot(right, right);
            if (rr == 0) break;
            for (var row = 0; row < rows; row++)
            {
                var sum = 0.0;
                for (var j = 0; j < columns; j++) sum += r(row, j) * right[j];
                left[row] = sum / rr;
            }
            var ll = Dot(left, left);
            if (ll == 0) break;
            for (var j = 0; j < columns; j++)
            {
                var sum = 0.0;
                for (var row = 0; row < rows; row++) sum += r(row, j) * left[row];
                right[j] = sum / ll;
            }
        }
        return (left, right);
    }

    /// <summary>B minimising the H-error with A fixed: (UᵀHU) b = Uᵀ H w, column j of U holding A at the taps 3j + s.</summary>
    private static double[]? SolveDepthwise(Matrix<double> h, double[] hw, double[] a, double[] previous, int channels, int m)
    {
        var taps = m * DenseTaps;
        var n = channels * taps;
        // HU, column by column: Σ_(i,s) a[i,s] · H[:, i·taps + 3j + s].
        var hu = new double[m][];
        for (var j = 0; j < m; j++)
        {
            var column = hu[j] = new double[n];
            for (var i = 0; i < channels; i++)
            {
                for (var s = 0; s < DenseTaps; s++)
                {
                    var coefficient = a[i * DenseTaps + s];
                    if (coefficient == 0) continue;
                    var row = h.Row(i * taps + DenseTaps * j + s); // H is symmetric: its row is its column
                    for (var x = 0; x < n; x++) column[x] += coefficient * row[x];
                }
            }
        }
        var normal = new Matrix<double>(m, m);
        var right = new Matrix<double>(m, 1);
        for (var j = 0; j < m; j++)
        {
            for (var i = 0; i < channels; i++)
            {
                for (var s = 0; s < DenseTaps; s++)
                {
                    var coefficient = a[i * DenseTaps + s];
                    var x = i * taps + DenseTaps * j + s;
                    right[j, 0] += coefficient * hw[x];
                    for (var k = 0; k < m; k++) normal[j, k] += coefficient * hu[k][x];
                }
            }
        }
        return Solve(normal, right, previous);
    }

    /// <summary>A minimising the H-error with B fixed: (MᵀHM) a = Mᵀ H w, column (i, s) of M holding B at the taps i·taps + 3j + s.</summary>
    private static double[]? SolveDense(Matrix<double> h, double[] hw, double[] b, double[] previous, int channels, int m)
    {
        var taps = m * DenseTaps;
        var unknowns = channels * DenseTaps;
        // HM restricted to the rows M reads: (HM)[x, (i,s)] = Σ_j b_j H[x, i·taps + 3j + s], needed only at x = i′·taps + 3j′ + s′.
        var normal = new Matrix<double>(unknowns, unknowns);
        var right = new Matrix<double>(unknowns, 1);
        for (var p = 0; p < unknowns; p++)
        {
            var (i, s) = (p / DenseTaps, p % DenseTaps);
            for (var j = 0; j < m; j++)
            {
                if (b[j] == 0) continue;
                var row = h.Row(i * taps + DenseTaps * j + s);
                right[p, 0] += b[j] * hw[i * taps + DenseTaps * j + s];
                for (var q = 0; q < unknowns; q++)
                {
                    var (i2, s2) = (q / DenseTaps, q % DenseTaps);
                    var sum = 0.0;
                    for (var j2 = 0; j2 < m; j2++) sum += b[j2] * row[i2 * taps + DenseTaps * j2 + s2];
                    normal[p, q] += b[j] * sum;
                }
            }
        }
        return Solve(normal, right, previous);
    }

    /// <summary>
    /// Solves (G + λI) x = r + λ·previous: a proximal step, damped towards the factor it replaces rather than towards
    /// zero. Inputs that never vary independently (H singular along them) then keep the previous, bounded weights
    /// instead of growing large ones that cancel in float64 but not in int8; and a factor that is already the exact
    /// solution (G·previous = r) is kept exactly. λ grows when the first is not enough.
    /// </summary>
    internal static double[]? Solve(Matrix<double> normal, Matrix<double> right, double[] previous)
    {
        var damping = 0.0;
        foreach (var fraction in DampingFractions)
        {
            damping += Damping.AddRelative(normal, fraction);
            var target = right.Clone();
            for (var x = 0; x < previous.Length; x++) target[x, 0] += damping * previous[x];
            try
            {
                var solution = CholeskyFactor<double>.Compute(normal).Solve(target);
                var result = new double[normal.Rows];
                for (var x = 0; x < result.Length; x++) result[x] = solution[x, 0];
                if (result.All(double.IsFinite)) return result;
            }
            catch (MatrixNotPositiveDefiniteException)
            {
            }
        }
        return null; // a factor that is all zero leaves nothing to solve for: keep the other as it is
    }

    internal static double[] Multiply(Matrix<double> h, double[] v)
    {
        var result = new double[h.Rows];
        for (var r = 0; r < h.Rows; r++) result[r] = System.Numerics.Tensors.TensorPrimitives.Dot<double>(h.Row(r), v);
        return result;
    }

    internal static double Dot(double[] x, double[] y) => System.Numerics.Tensors.TensorPrimitives.Dot<double>(x, y);
}
