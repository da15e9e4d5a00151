using Dipper.Basecaller.Inference.Int8;

namespace Dipper.Compiler.Tests.Quantisation;

/// <summary>A test of the AVX-VNNI int8 kernels; skipped with the reason on a CPU without AVX-VNNI and AVX-512 F.</summary>
public sealed class VnniTheoryAttribute : TheoryAttribute
{
    public VnniTheoryAttribute()
    {
        if (!PointwiseConvolution.IsSupported)
            Skip = "this CPU lacks AVX-VNNI or AVX-512 F, which the int8 kernels need (grep avx_vnni /proc/cpuinfo)";
    }
}
