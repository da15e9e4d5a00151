using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Dipper.Bench.Int8Kernels;

/// <summary>
/// A float32 depthwise convolution of our own (80 channels, 11 taps, zero padding of 5 each side, as the default
/// model's), for the bench only, beside <see cref="FloatPointwise"/>: is ONNX Runtime's depthwise kernel, at about a
/// third of this core's peak, where a float engine of ours would win most? Frame-major activations ([frames][80]), so
/// 16 channels of a frame are one vector. For one group of 16 channels the 11 taps stay in registers, and a block of
/// 4 output frames shares its 14 input loads across 44 multiply-adds.
/// </summary>
internal sealed unsafe class FloatDepthwise
{
    private const int Channels = 80;
    private const int Lanes = 16;
    private const int Taps = 11;
    private const int Pad = Taps / 2;
    private readonly float[] _packed; // [tap][channel]
    private readonly float[] _bias;

    /// <summary>The layer's weights [channel, tap] and bias, as ONNX Runtime gets them.</summary>
    public FloatDepthwise(float[] weights, float[] bias)
    {
        _packed = new float[Taps * Channels];
        for (var c = 0; c < Channels; c++)
            for (var k = 0; k < Taps; k++)
                _packed[k * Channels + c] = weights[c * Taps + k];
        _bias = bias;
    }

    /// <summary>Whether this CPU runs it (AVX-512 F).</summary>
    public static bool IsSupported => Avx512F.IsSupported;

    /// <summary>out[f, c] = bias[c] + Σ_k in[f + k − 5, c] · w[c, k], inputs outside the chunk being zero.</summary>
    public void Run(ReadOnlySpan<float> input, Span<float> output, int frames)
    {
        fixed (float* x = input, y = output, w = _packed, b = _bias)
        {
            for (var g = 0; g < Channels; g += Lanes) Group(x + g, y + g, w + g, b + g, frames);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Group(float* x, float* y, float* w, float* b, int frames)
    {
        var w0 = Avx512F.LoadVector512(w); var w1 = Avx512F.LoadVector512(w + Channels);
        var w2 = Avx512F.LoadVector512(w + 2 * Channels); var w3 = Avx512F.LoadVector512(w + 3 * Channels);
        var w4 = Avx512F.LoadVector512(w + 4 * Channels); var w5 = Avx512F.LoadVector512(w + 5 * Channels);
        var w6 = Avx512F.LoadVector512(w + 6 * Channels); var w7 = Avx512F.LoadVector512(w + 7 * Channels);
        var w8 = Avx512F.LoadVector512(w + 8 * Channels); var w9 = Avx512F.LoadVector512(w + 9 * Channels);
        var w10 = Avx512F.LoadVector512(w + 10 * Channels);
        var bias = Avx512F.LoadVector512(b);
        var f = 0;
        for (; f < Math.Min(Pad, frames); f++) Edge(x, y, w, bias, f, frames);
        for (; f + 4 <= frames - Pad; f += 4)
        {
            var p = x + (f - Pad) * Channels;
            Vector512<float> a0 = bias, a1 = bias, a2 = bias, a3 = bias;
            // Input frame f − 5 + j feeds output f + i through tap j − i.
            var v = Avx512F.LoadVector512(p); a0 = Avx512F.FusedMultiplyAdd(w0, v, a0);
            v = Avx512F.LoadVector512(p + Channels); a0 = Avx512F.FusedMultiplyAdd(w1, v, a0); a1 = Avx512F.FusedMultiplyAdd(w0, v, a1);
            v = Avx512F.LoadVector512(p + 2 * Channels); a0 = Avx512F.FusedMultiplyAdd(w2, v, a0); a1 = Avx512F.FusedMultiplyAdd(w1, v, a1); a2 = Avx512F.FusedMultiplyAdd(w0, v, a2);
            v = Avx512F.LoadVector512(p + 3 * Channels); a0 = Avx512F.FusedMultiplyAdd(w3, v, a0); a1 = Avx512F.FusedMultiplyAdd(w2, v, a1); a2 = Avx512F.FusedMultiplyAdd(w1, v, a2); a3 = Avx512F.FusedMultiplyAdd(w0, v, a3);
            v = Avx512F.LoadVector512(p + 4 * Channels); a0 = Avx512F.FusedMultiplyAdd(w4, v, a0); a1 = Avx512F.FusedMultiplyAdd(w3, v, a1); a2 = Avx512F.FusedMultiplyAdd(w2, v, a2); a3 = Avx512F.FusedMultiplyAdd(w1, v, a3);
            v = Avx512F.LoadVector512(p + 5 * Channels); a0 = Avx512F.FusedMultiplyAdd(w5, v, a0); a1 = Avx512F.FusedMultiplyAdd(w4, v, a1); a2 = Avx512F.FusedMultiplyAdd(w3, v, a2); a3 = Avx512F.FusedMultiplyAdd(w2, v, a3);
            v = Avx512F.LoadVector512(p + 6 * Channels); a0 = Avx512F.FusedMultiplyAdd(w6, v, a0); a1 = Avx512F.FusedMultiplyAdd(w5, v, a1); a2 = Avx512F.FusedMultiplyAdd(w4, v, a2); a3 = Avx512F.FusedMultiplyAdd(w3, v, a3);
            v = Avx512F.LoadVector512(p + 7 * Channels); a0 = Avx512F.FusedMultiplyAdd(w7, v, a0); a1 = Avx512F.FusedMultiplyAdd(w6, v, a1); a2 = Avx512F.FusedMultiplyAdd(w5, v, a2); a3 = Avx512F.FusedMultiplyAdd(w4, v, a3);
            v = Avx512F.LoadVector512(p + 8 * Channels); a0 = Avx512F.FusedMultiplyAdd(w8, v, a0); a1 = Avx512F.FusedMultiplyAdd(w7, v, a1); a2 = Avx512F.FusedMultiplyAdd(w6, v, a2); a3 = Avx512F.FusedMultiplyAdd(w5, v, a3);
            v = Avx512F.LoadVector512(p + 9 * Channels); a0 = Avx512F.FusedMultiplyAdd(w9, v, a0); a1 = Avx512F.FusedMultiplyAdd(w8, v, a1); a2 = Avx512F.FusedMultiplyAdd(w7, v, a2); a3 = Avx512F.FusedMultiplyAdd(w6, v, a3);
            v = Avx512F.LoadVector512(p + 10 * Channels); a0 = Avx512F.FusedMultiplyAdd(w10, v, a0); a1 = Avx512F.FusedMultiplyAdd(w9, v, a1); a2 = Avx512F.FusedMultiplyAdd(w8, v, a2); a3 = Avx512F.FusedMultiplyAdd(w7, v, a3);
            v = Avx512F.LoadVector512(p + 11 * Channels); a1 = Avx512F.FusedMultiplyAdd(w10, v, a1); a2 = Avx512F.FusedMultiplyAdd(w9, v, a2); a3 = Avx512F.FusedMultiplyAdd(w8, v, a3);
            v = Avx512F.LoadVector512(p + 12 * Channels); a2 = Avx512F.FusedMultiplyAdd(w10, v, a2); a3 = Avx512F.FusedMultiplyAdd(w9, v, a3);
            v = Avx512F.LoadVector512(p + 13 * Channels); a3 = Avx512F.FusedMultiplyAdd(w10, v, a3);
            var q = y + f * Channels;
            Avx512F.Store(q, a0); Avx512F.Store(q + Channels, a1); Avx512F.Store(q + 2 * Channels, a2); Avx512F.Store(q + 3 * Channels, a3);
        }
        for (; f < frames; f++) Edge(x, y, w, bias, f, frames);
    }

    private static void Edge(float* x, float* y, float* w, Vector512<float> bias, int f, int frames)
    {
        var acc = bias;
        for (var k = 0; k < Taps; k++)
        {
            var source = f + k - Pad;
            if (source >= 0 && source < frames)
                acc = Avx512F.FusedMultiplyAdd(Avx512F.LoadVector512(w + k * Channels), Avx512F.LoadVector512(x + source * Channels), acc);
        }
        Avx512F.Store(y + f * Channels, acc);
    }
}
