using Dipper.Compiler.Passes.Compression;

namespace Dipper.Compiler.Tests.Passes.Compression;

public class SyntheticLayerTests
{
    // From the reference script itself:
    //   /usr/bin/python3 -c "import sys, torch; sys.path.insert(0, '/work/shared/tools'); import pruning_reference as R;
    //       w, x = R.make_layer(64, 64, 512, 5, torch.float64); print(repr(w[0,0].item()), ...)"
    [Fact]
    public void Regenerated_layer_equals_the_reference_layer_to_the_last_bits()
    {
        var (w, x) = SyntheticLayer.Make(64, 64, 512, 5);

        Assert.Equal((64, 64), (w.Rows, w.Columns));
        Assert.Equal((512, 64), (x.Rows, x.Columns));
        Assert.Equal(0.17717551905090356, w[0, 0], 1e-15);
        Assert.Equal(-0.20675424891998256, w[0, 1], 1e-15);
        Assert.Equal(0.040948528913696276, w[0, 2], 1e-15);
        Assert.Equal(-0.059434870883395066, w[63, 63], 1e-15);
        Assert.Equal(1.4836289216031828, x[0, 0], 1e-13);
        Assert.Equal(-0.19050044992611537, x[0, 1], 1e-13);
        Assert.Equal(0.9552246168299653, x[0, 2], 1e-13);
        Assert.Equal(1.8866392359824464, x[511, 7], 1e-13);     // an outlier channel (j mod 50 = 7), ×4
        Assert.Equal(5.452306426406612, x[100, 57], 1e-13);
    }
}
