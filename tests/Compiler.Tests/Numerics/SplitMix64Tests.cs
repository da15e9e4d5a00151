using Dipper.Compiler.Numerics;

namespace Dipper.Compiler.Tests.Numerics;

public class SplitMix64Tests
{
    // Values printed once by the reference generator (pruning_reference.py from the team's shared tools
    // folder, its splitmix_normals and integer steps) with numpy 1.24, and copied here; the test reads no
    // file. To reproduce: import pruning_reference as R; print([repr(v) for v in R.splitmix_normals(7, 4)])
    [Fact]
    public void Raw_outputs_equal_the_reference_bit_for_bit()
    {
        Assert.Equal(0x63cbe1e459320dd7UL, SplitMix64.Next(7, 1));
        Assert.Equal(0x044c3cd7f43c661cUL, SplitMix64.Next(7, 2));
        Assert.Equal(0xe6984080bab12a02UL, SplitMix64.Next(7, 3));
        Assert.Equal(0x953aeb70673e29cbUL, SplitMix64.Next(7, 4));
    }

    [Fact]
    public void Uniforms_equal_the_reference_exactly()
    {
        Assert.Equal(0.3898297483912715, SplitMix64.Uniform(7, 1));
        Assert.Equal(0.01678829452815611, SplitMix64.Uniform(7, 2));
        Assert.Equal(0.9007606806068834, SplitMix64.Uniform(7, 3));
        Assert.Equal(0.5829302930280781, SplitMix64.Uniform(7, 4));
    }

    [Fact]
    public void Normals_equal_the_reference_up_to_the_maths_library_last_bits()
    {
        double[] expected = [0.9884743323187352, -1.864255806731227, 0.00392020721518934, -0.5292707004741914];
        var normals = SplitMix64.Normals(7, 4);
        for (var i = 0; i < 4; i++) Assert.Equal(expected[i], normals[i], 1e-15);

        // Large seeds wrap modulo 2⁶⁴ as in the reference.
        double[] wide = [-0.6205370918857384, -0.46205674346927017, 0.9335771199649477];
        var wideNormals = SplitMix64.Normals((1L << 40) + 3, 3);
        for (var i = 0; i < 3; i++) Assert.Equal(wide[i], wideNormals[i], 1e-15);
    }
}
