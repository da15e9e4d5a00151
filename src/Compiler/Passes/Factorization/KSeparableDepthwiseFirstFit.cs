using Dipper.Compiler.Numerics;

namespace Dipper.Compiler.Passes.Factorization;

/// <summary>
/// The data-aware fit of the KSeparable pair in <see cref="KSeparableOrder.DepthwiseFirst"/> order: a (K/3)-tap
/// depthwise convolution dilated by 3 on the input channels, then a dense 3-tap convolution C → C_out. The pair's
/// kernel is W′[o, i, 3j + s] = A[o, i, s]·B[i, j]: every input channel has one coarse filter B[i, ·] shared by all
/// outputs, as a depthwise-separable block's input channel has one K-tap filter D[i, ·] (W[o, i, t] = P[o, i]·D[i, t]).
/// A block is therefore reproduced exactly when each D[i, ·], read as a K/3 × 3 matrix of coarse × fine taps, has
/// rank 1; <see cref="KSeparableFit"/>'s order needs the far stronger condition that all of an output channel's
/// filters share one coarse envelope. The fit minimises Σ_o (w_o − w′_o)ᵀ H (w_o − w′_o) under the same H = XᵀX of
/// the block's input patches. Unlike the other order it does not split by output channel (B is shared), so it
/// alternates two exact least-squares solves over the whole layer: A with B fixed (one normal matrix for every
/// output channel), and B with A fixed (C·K/3 unknowns), each damped towards the factor it replaces.
/// </summary>
public static class KSeparableDepthwiseFirstFit
{
    /// <summary>
    /// Fits <paramref name="kernel"/> [out, in, taps] (taps a multiple of 3) under <paramref name="gram"/> (in·taps
    /// square, columns i·taps + tap); null fits unweighted. The factors' Dense is A [out, in, 3], Depthwise B [in, taps/3].
    /// </summary>
    /// <exception cref="ArgumentException">The taps are not a multiple of 3, or H does not fit the kernel.</exception>
    public static KSeparableFit.Factors Fit(float[] kernel, int outChannels, int inChannels, int taps, Matrix<double>? gram, int threads)
    {
        const int s3 = KSeparableFit.DenseTaps;
        if (taps % s3 != 0) throw new ArgumentException($"{taps} taps are not a multiple of {s3}", nameof(taps));
        var n = inChannels * taps;
        if (kernel.Length != outChannels * n) throw new ArgumentException($"kernel has {kernel.Length} values, expected {outChannels * n}", nameof(kernel));
        if (gram is not null && (gram.Rows != n || gram.Columns != n))
            throw new ArgumentException($"H is {gram.Rows} × {gram.Columns}, expected {n} × {n}", nameof(gram));
        var m = taps / s3;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) };
        var w = new double[outChannels][];
        for (var o = 0; o < outChannels; o++)
        {
            w[o] = new double[n];
            for (var x = 0; x < n; x++) w[o][x] = kernel[o * n + x];
        }
        var a = new double[outChannels][];
        for (var o = 0; o < outChannels; o++) a[o] = new double[inChannels * s3];
        var b = new double[inChannels * m];
        Parallel.For(0, inChannels, parallel, i => LeadingPair(w, a, b, i, taps, m));
        // H·w_o, which the solves need and the energy tr(W H Wᵀ) reuses.
        var hw = new double[outChannels][];
        if (gram is not null)
        {
            Parallel.For(0, outChannels, parallel, o => hw[o] = KSeparableFit.Multiply(gram, w[o]));
            for (var round = 0; round < KSeparableFit.Rounds; round++)
            {
                b = SolveDepthwise(gram, hw, a, b, inChannels, m) ?? b;
                SolveDense(gram, hw, a, b, inChannels, m, parallel);
            }
        }
        Balance(a, b, inChannels, m);
        var dense = new float[outChannels * inChannels * s3];
        var depthwise = b.Select(v => (float)v).ToArray();
        for (var o = 0; o < outChannels; o++)
            for (var p = 0; p < inChannels * s3; p++) dense[o * inChannels * s3 + p] = (float)a[o][p];
        var errors = new double[outChannels];
        var energies = new double[outChannels];
        Parallel.For(0, outChannels, parallel, o =>
        {
            var delta = new double[n];
            for (var x = 0; x < n; x++)
            {
                var (i, tap) = (x / taps, x % taps);
                delta[x] = w[o][x] - (double)dense[(o * inChannels + i) * s3 + tap % s3] * depthwise[i * m + tap / s3];
            }
            (errors[o], energies[o]) = gram is null
                ? (KSeparableFit.Dot(delta, delta), KSeparableFit.Dot(w[o], w[o]))
                : (KSeparableFit.Dot(delta, KSeparableFit.Multiply(gram, delta)), KSeparableFit.Dot(w[o], hw[o]));
        });
        return new KSeparableFit.Factors(dense, depthwise, errors.Sum(), energies.Sum());
    }

    /// <summary>Input channel <paramref name="i"/>'s best rank-1 split of R_i[(o, s), j] = w_o[i·taps + 3j + s], written into A[·, i, ·] and B[i, ·].</summary>
    private static void LeadingPair(double[][] w, double[][] a, double[] b, int i, int taps, int m)
    {
        const int s3 = KSeparableFit.DenseTaps;
        var (left, right) = KSeparableFit.LeadingSingularPair((row, j) => w[row / s3][i * taps + s3 * j + row % s3], w.Length * s3, m);
        for (var r = 0; r < left.Length; r++) a[r / s3][i * s3 + r % s3] = left[r];
        for (var j = 0; j < m; j++) b[i * m + j] = right[j];
    }

    /// <summary>
    /// A with B fixed. Every output channel's taps are w′_o = M a_o with column (i, s) of M holding B[i, j] at
    /// i·taps + 3j + s, so all share the normal matrix MᵀHM; each solves MᵀHM a_o = Mᵀ H w_o.
    /// </summary>
    private static void SolveDense(Matrix<double> h, double[][] hw, double[][] a, double[] b, int channels, int m, ParallelOptions parallel)
    {
        const int s3 = KSeparableFit.DenseTaps;
        var taps = m * s3;
        var unknowns = channels * s3;
        var normal = new Matrix<double>(unknowns, unknowns);
        Parallel.For(0, unknowns, parallel, p =>
        {
            var (i, s) = (p / s3, p % s3);
            var row = new double[h.Columns]; // (HM)[·, p] as a row: Σ_j B[i, j]·H[i·taps + 3j + s, ·]
            for (var j = 0; j < m; j++)
            {
                var coefficient = b[i * m + j];
                if (coefficient == 0) continue;
                var source = h.Row(i * taps + s3 * j + s);
                for (var x = 0; x < row.Length; x++) row[x] += coefficient * source[x];
            }
            for (var q = 0; q < unknowns; q++)
            {
                var (i2, s2) = (q / s3, q % s3);
                var sum = 0.0;
                for (var j2 = 0; j2 < m; j2++) sum += b[i2 * m + j2] * row[i2 * taps + s3 * j2 + s2];
                normal[p, q] = sum;
            }
        });
        Parallel.For(0, a.Length, parallel, o =>
        {
            var right = new Matrix<double>(unknowns, 1);
            for (var p = 0; p < unknowns; p++)
            {
                var (i, s) = (p / s3, p % s3);
                var sum = 0.0;
                for (var j = 0; j < m; j++) sum += b[i * m + j] * hw[o][i * taps + s3 * j + s];
                right[p, 0] = sum;
            }
            if (KSeparableFit.Solve(normal.Clone(), right, a[o]) is { } solved) a[o] = solved;
        });
    }

    /// <summary>
    /// B with A fixed: w′_o = U_o β with column (i, j) of U_o holding A[o, i, s] at i·taps + 3j + s; solves
    /// (Σ_o U_oᵀ H U_o) β = Σ_o U_oᵀ H w_o. Its entries need only G = Σ_o A[o]ᵀA[o] over the (i, s) pairs.
    /// </summary>
    private static double[]? SolveDepthwise(Matrix<double> h, double[][] hw, double[][] a, double[] previous, int channels, int m)
    {
        const int s3 = KSeparableFit.DenseTaps;
        var taps = m * s3;
        var pairs = channels * s3;
        var g = new double[pairs * pairs];
        foreach (var row in a)
        {
            for (var p = 0; p < pairs; p++)
            {
                var ap = row[p];
                if (ap == 0) continue;
                for (var q = 0; q < pairs; q++) g[p * pairs + q] += ap * row[q];
            }
        }
        var unknowns = channels * m;
        var normal = new Matrix<double>(unknowns, unknowns);
        var right = new Matrix<double>(unknowns, 1);
        for (var u = 0; u < unknowns; u++)
        {
            var (i, j) = (u / m, u % m);
            for (var s = 0; s < s3; s++)
            {
                var hRow = h.Row(i * taps + s3 * j + s);
                var p = i * s3 + s;
                for (var v = 0; v < unknowns; v++)
                {
                    var (i2, j2) = (v / m, v % m);
                    var sum = 0.0;
                    for (var s2 = 0; s2 < s3; s2++) sum += g[p * pairs + i2 * s3 + s2] * hRow[i2 * taps + s3 * j2 + s2];
                    normal[u, v] += sum;
                }
            }
            var r = 0.0;
            for (var o = 0; o < a.Length; o++)
                for (var s = 0; s < s3; s++) r += a[o][i * s3 + s] * hw[o][i * taps + s3 * j + s];
            right[u, 0] = r;
        }
        return KSeparableFit.Solve(normal, right, previous);
    }

    /// <summary>
    /// Moves scale between each input channel's coarse filter B[i, ·] and its dense weights A[·, i, ·] (the product is
    /// unchanged) so both have the same root-mean-square value, and int8 quantisation treats them alike.
    /// </summary>
    private static void Balance(double[][] a, double[] b, int channels, int m)
    {
        const int s3 = KSeparableFit.DenseTaps;
        for (var i = 0; i < channels; i++)
        {
            var (sa, sb) = (0.0, 0.0);
            foreach (var row in a)
                for (var s = 0; s < s3; s++) sa += row[i * s3 + s] * row[i * s3 + s];
            for (var j = 0; j < m; j++) sb += b[i * m + j] * b[i * m + j];
            var rmsA = Math.Sqrt(sa / (a.Length * s3));
            var rmsB = Math.Sqrt(sb / m);
            if (rmsA == 0 || rmsB == 0) continue;
            var scale = Math.Sqrt(rmsA / rmsB);
            if (!double.IsFinite(scale) || scale == 0) continue;
            foreach (var row in a)
                for (var s = 0; s < s3; s++) row[i * s3 + s] /= scale;
            for (var j = 0; j < m; j++) b[i * m + j] *= scale;
        }
    }
}
