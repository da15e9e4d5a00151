using Dipper.Basecaller.Inference.Int8;

namespace Dipper.Basecaller.Tests.Inference;

/// <summary>A test of the AVX-512 BW depthwise kernel; skipped with the reason on a CPU without it.</summary>
public sealed class Avx512BwTheoryAttribute : TheoryAttribute
{
    public Avx512BwTheoryAttribute()
    {
        if (!DepthwiseConvolution.IsSupported)
            Skip = "this CPU lacks AVX-512 BW, which Dipper's depthwise int8 kernel needs (grep avx512bw /proc/cpuinfo)";
    }
}
