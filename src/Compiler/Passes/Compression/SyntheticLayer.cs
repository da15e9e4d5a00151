using Dipper.Compiler.Numerics;

namespace Dipper.Compiler.Passes.Compression;

/// <summary>
/// The synthetic layers of the pruning reference (<c>pruning_reference.py</c>, <c>make_layer</c>),
/// regenerated from <see cref="SplitMix64"/> so Dipper's compression methods can be compared with
/// the reference on identical weights and calibration inputs without shipping the arrays. The inputs
/// mimic a pointwise conv after SiLU: correlated channels with a decaying spectrum, and every 50th
/// channel (j mod 50 = 7) an outlier scaled by 4, which is what separates Wanda-style scores from
/// plain magnitude.
/// </summary>
public static class SyntheticLayer
{
    /// <summary>The reference's three layers: (d_out, d_in, seed), with N = 4000 inputs.</summary>
    public static IReadOnlyList<(int Outputs, int Inputs, int Seed)> ReferenceShapes { get; } =
        [(256, 256, 11), (512, 256, 12), (1024, 1024, 13)];

    /// <summary>
    /// Weights W (d_out × d_in) ~ N(0, 1/d_in) and inputs X (n × d_in), in float64 as the reference
    /// makes them (it rounds to float32 afterwards).
    /// </summary>
    public static (Matrix<double> Weights, Matrix<double> Inputs) Make(int outputs, int inputs, int samples, int seed)
    {
        var stream = 16L * seed;
        var g = new Matrix<double>(samples, inputs, SplitMix64.Normals(stream + 1, samples * inputs));
        var r = new Matrix<double>(inputs, inputs, SplitMix64.Normals(stream + 2, inputs * inputs));
        // The reference divides by √d_in (a true division); multiply by the reciprocal would differ in the last ulp.
        foreach (ref var v in r.AsSpan()) v /= Math.Sqrt(inputs);
        var decay = new double[inputs];
        for (var k = 0; k < inputs; k++) decay[k] = Math.Pow(k + 1.0, -0.5);
        g.ScaleColumns(decay);
        var z = MatrixProduct.Multiply(g, r);

        // Standardise each column (population standard deviation, as numpy's std with ddof 0).
        var mean = new double[inputs];
        for (var i = 0; i < samples; i++)
        {
            var row = z.Row(i);
            for (var j = 0; j < inputs; j++) mean[j] += row[j];
        }
        for (var j = 0; j < inputs; j++) mean[j] /= samples;
        var variance = new double[inputs];
        for (var i = 0; i < samples; i++)
        {
            var row = z.Row(i);
            for (var j = 0; j < inputs; j++)
            {
                var d = row[j] - mean[j];
                variance[j] += d * d;
            }
        }
        var std = new double[inputs];
        for (var j = 0; j < inputs; j++) std[j] = Math.Sqrt(variance[j] / samples);

        var bias = SplitMix64.Normals(stream + 3, inputs);
        for (var j = 0; j < inputs; j++) bias[j] *= 0.5;
        for (var i = 0; i < samples; i++)
        {
            var row = z.Row(i);
            for (var j = 0; j < inputs; j++)
            {
                var v = row[j] / std[j] + bias[j];
                var x = v / (1.0 + Math.Exp(-v));   // SiLU
                row[j] = j % 50 == 7 ? x * 4.0 : x;
            }
        }

        var w = new Matrix<double>(outputs, inputs, SplitMix64.Normals(stream + 4, outputs * inputs));
        foreach (ref var v in w.AsSpan()) v /= Math.Sqrt(inputs);
        return (w, z);
    }
}
