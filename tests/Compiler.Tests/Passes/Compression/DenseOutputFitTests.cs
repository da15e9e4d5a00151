using Dipper.Compiler.Numerics;
using Dipper.Compiler.Passes.Compression;

namespace Dipper.Compiler.Tests.Passes.Compression;

public class DenseOutputFitTests
{
    [Fact]
    public void Where_the_inputs_are_the_dense_ones_a_layer_keeps_its_own_weights()
    {
        var (w, x) = SyntheticLayer.Make(16, 24, 400, seed: 3);
        var h = GramMatrix.Of(x);

        var target = DenseOutputFit.Target(w.Convert<float>(), h, h);

        for (var i = 0; i < w.Rows; i++)
            for (var j = 0; j < w.Columns; j++)
                Assert.Equal(w[i, j], target[i, j], 1e-5);
    }

    [Fact]
    public void The_fitted_weights_minimise_the_error_against_the_dense_output_with_the_ridge()
    {
        var (w, x) = SyntheticLayer.Make(16, 24, 400, seed: 4);
        // The compressed model's inputs: the dense ones with an error of about a fifth of their spread.
        var noise = new Matrix<double>(x.Rows, x.Columns, SplitMix64.Normals(99, x.Count));
        var xHat = x.Clone();
        System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(noise.AsSpan(), 0.2, xHat.AsSpan(), xHat.AsSpan());
        var h = GramMatrix.Of(xHat);
        var lambda = DenseOutputFit.DefaultDamping * h.Diagonal().Average();

        var fitted = DenseOutputFit.Target(w.Convert<float>(), h, MatrixProduct.TransposeAndMultiply(xHat, x)).Convert<double>();

        // ‖XWᵀ − X̂Vᵀ‖² + λ‖V − W‖², computed from the inputs themselves.
        double Objective(Matrix<double> v)
        {
            var residual = MatrixProduct.MultiplyByTranspose(x, w);
            MatrixProduct.MultiplyAdd(-1.0, xHat, false, v, true, 1.0, residual);
            var ridge = 0.0;
            for (var i = 0; i < v.Count; i++) ridge += Math.Pow(v.AsSpan()[i] - w.AsSpan()[i], 2);
            return System.Numerics.Tensors.TensorPrimitives.SumOfSquares<double>(residual.AsSpan()) + lambda * ridge;
        }
        var best = Objective(fitted);
        Assert.True(best < 0.9 * Objective(w), $"fitted {best}, the layer's own weights {Objective(w)}");
        for (var trial = 0; trial < 20; trial++)
        {
            var moved = fitted.Clone();
            var step = SplitMix64.Normals(1000 + trial, moved.Count);
            for (var i = 0; i < moved.Count; i++) moved.AsSpan()[i] += 0.01 * step[i];
            Assert.True(Objective(moved) > best, $"a step {trial} away lowers the objective: {Objective(moved)} < {best}");
        }
    }

    [Fact]
    public void The_cross_product_of_a_layers_inputs_is_its_gram_matrix_when_both_are_the_same()
    {
        // The first depthwise layer (80 groups of 11 taps) on its real inputs in the dense model and in a pruned one.
        var folded = CompressedSbonito.Folded;
        var pruned = CompressedSbonito.Get(CompressionMethod.Admm, 0.5, recalibrate: false, fitDenseOutput: false);
        var layer = folded.Nodes.Select(CompressibleLayer.Of).OfType<CompressibleLayer>().ElementAt(1);
        Assert.True(layer.IsDepthwise);
        var dense = ModelCompressionTests.Inputs(folded, layer);
        var compressed = ModelCompressionTests.Inputs(pruned.Graph, layer);

        var h = LayerInputGram.Collect(layer, dense, 2, CancellationToken.None);
        var same = LayerInputGram.CollectCross(layer, dense, dense, 2, CancellationToken.None);
        var cross = LayerInputGram.CollectCross(layer, compressed, dense, 2, CancellationToken.None);
        var swapped = LayerInputGram.CollectCross(layer, dense, compressed, 2, CancellationToken.None);

        Assert.Equal(layer.Groups, cross.Length);
        for (var g = 0; g < layer.Groups; g++)
        {
            var scale = h[g].Diagonal().Max();
            for (var i = 0; i < layer.GroupInputs; i++)
                for (var j = 0; j < layer.GroupInputs; j++)
                {
                    Assert.Equal(h[g][i, j], same[g][i, j], 1e-9 * scale);
                    Assert.Equal(cross[g][i, j], swapped[g][j, i], 1e-9 * scale);
                }
        }
        // The pruned stem changes the depthwise layer's input, so X̂ᵀX is not X̂ᵀX̂.
        Assert.Contains(Enumerable.Range(0, layer.Groups), g => Math.Abs(cross[g][0, 1] - same[g][0, 1]) > 1e-6 * h[g].Diagonal().Max());
    }
}
