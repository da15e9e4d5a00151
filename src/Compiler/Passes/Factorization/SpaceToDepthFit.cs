using Dipper.Compiler.Graph.Execution;
using Dipper.Compiler.Numerics;

namespace Dipper.Compiler.Passes.Factorization;

/// <summary>
/// Initial weights of an S2D block's stride-3 pair, fitted on the calibration chunks. The layers between them start
/// as identities (DeepNano-coral's "init3" without its noise) and are left to fine-tuning, so the fit is of the two
/// ends: <see cref="Down"/> keeps the most of the block input that 2C channels can hold, and <see cref="Up"/> maps what
/// reaches the end of the inner layers back onto the original main branch's output by least squares.
/// </summary>
public static class SpaceToDepthFit
{
    /// <summary>Relative damping of the least-squares Gram matrix (inner channels that never vary would make it singular).</summary>
    public const double Damping = 1e-6;

    /// <summary>
    /// The stride-3 convolution's weight [2C, C, 3]: the principal directions of the block's input patches (C channels ×
    /// 3 frames, uncentred, <paramref name="gram"/> = XᵀX over <paramref name="rows"/> patches as LayerInputGram lays them
    /// out, channel-major), the 2C strongest, each scaled to unit root mean square on the calibration chunks so the
    /// activations inside start at the scale the identity layers and their nonlinearities expect.
    /// </summary>
    public static float[] Down(Matrix<double> gram, long rows, int innerChannels)
    {
        var eigen = SymmetricEigen.Compute(gram);
        var patch = gram.Rows;
        var weight = new float[innerChannels * patch];
        var strongest = Math.Sqrt(Math.Max(eigen.Values[0], 0) / Math.Max(rows, 1));
        for (var o = 0; o < innerChannels; o++)
        {
            var rms = Math.Sqrt(Math.Max(eigen.Values[o], 0) / Math.Max(rows, 1));
            // A direction the inputs (nearly) never take is rounding noise: scaled up it would be noise at unit size; left at zero.
            var scale = rms > 1e-6 * strongest ? 1 / rms : 0;
            for (var j = 0; j < patch; j++) weight[o * patch + j] = (float)(eigen.Vectors[j, o] * scale);
        }
        return weight;
    }

    /// <summary>
    /// The transposed convolution's weight [2C, C, 3] and the bias [C] it leaves to the residual branch: for each of the
    /// 3 output frames t·3 + s of an inner frame t, the least-squares map from the inner values z[·, t] to the original
    /// main branch's output y[·, 3t + s], with one bias per channel shared by the three phases (a transposed convolution
    /// adds no bias per phase).
    /// </summary>
    /// <param name="inner">The inner layers' output [batch, 2C, T/3] per batch of chunks.</param>
    /// <param name="target">The original main branch's output [batch, C, T] for the same chunks.</param>
    public static (float[] Weight, float[] Bias) Up(IReadOnlyList<FloatTensor> inner, IReadOnlyList<FloatTensor> target)
    {
        const int s3 = SpaceToDepthNodes.Factor;
        var (wide, c) = (inner[0].Dim(1), target[0].Dim(1));
        var n = wide + 1;
        var gram = new Matrix<double>(n, n);
        var cross = new Matrix<double>(n, s3 * c); // column s·C + o
        var row = new double[n];
        for (var b = 0; b < inner.Count; b++)
        {
            var (z, y) = (inner[b], target[b]);
            var (batch, frames, length) = (z.Dim(0), z.Dim(2), y.Dim(2));
            for (var chunk = 0; chunk < batch; chunk++)
            {
                for (var t = 0; t < frames; t++)
                {
                    for (var i = 0; i < wide; i++) row[i] = z.Values[(chunk * wide + i) * frames + t];
                    row[wide] = 1;
                    for (var r = 0; r < n; r++)
                    {
                        if (row[r] == 0) continue;
                        var g = gram.Row(r);
                        for (var k = 0; k < n; k++) g[k] += row[r] * row[k];
                        var x = cross.Row(r);
                        for (var s = 0; s < s3; s++)
                            for (var o = 0; o < c; o++) x[s * c + o] += row[r] * y.Values[(chunk * c + o) * length + t * s3 + s];
                    }
                }
            }
        }
        Numerics.Damping.AddRelative(gram, Damping);
        // Each phase with a bias of its own, then the three biases averaged into one ...
        var free = CholeskyFactor<double>.Compute(gram).Solve(cross);
        var bias = new double[c];
        for (var o = 0; o < c; o++)
            for (var s = 0; s < s3; s++) bias[o] += free[wide, s * c + o] / s3;
        // ... and the maps refitted with that bias fixed: Gzz·U = Σ z·(y − b)ᵀ = cross_z − sum_z·bᵀ.
        var gzz = gram.Block(0, 0, wide, wide).Clone();
        var rhs = new Matrix<double>(wide, s3 * c);
        for (var i = 0; i < wide; i++)
            for (var j = 0; j < s3 * c; j++) rhs[i, j] = cross[i, j] - gram[i, wide] * bias[j % c];
        var maps = CholeskyFactor<double>.Compute(gzz).Solve(rhs);
        var weight = new float[wide * c * s3];
        for (var i = 0; i < wide; i++)
            for (var o = 0; o < c; o++)
                for (var s = 0; s < s3; s++) weight[(i * c + o) * s3 + s] = (float)maps[i, s * c + o];
        return (weight, bias.Select(v => (float)v).ToArray());
    }
}
