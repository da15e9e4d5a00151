using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Dipper.Bench.Int8Kernels;

/// <summary>
/// A float32 80 → 80 1×1 convolution of our own, for the bench only: would a float kernel written here beat ONNX
/// Runtime's NCHWc kernel by the 1.5× the issue asks of kernels of our own? Activations are frame-major
/// ([frames][80], channels contiguous); the weights are packed input-major ([in][out]), so one input value of a frame
/// is broadcast and multiplied into all 80 outputs (five 16-lane vectors). A block of 4 frames keeps 20 accumulators
/// in registers (AVX-512 has 32), each input channel costs 5 weight loads and 4 broadcasts for 20 multiply-adds.
/// </summary>
internal sealed unsafe class FloatPointwise
{
    private const int Channels = 80;
    private const int Lanes = 16;
    private const int FramesPerBlock = 4;
    private readonly float[] _packed;
    private readonly float[] _bias;
    private readonly Swish _swish;

    /// <summary>The swish x·σ(x) after the layer (the model's 1×1 layers are each followed by one), and how e^−x is computed.</summary>
    public enum Swish
    {
        /// <summary>No swish: the convolution alone.</summary>
        None,

        /// <summary>σ through .NET's <see cref="Vector512.Exp(Vector512{float})"/>.</summary>
        DotNetExp,

        /// <summary>σ through 2^t = 2^n · p(t − n), p of degree 5, and a refined reciprocal: about 10 instructions.</summary>
        Polynomial,
    }

    /// <summary>The layer's weights [out, in] and bias, as ONNX Runtime gets them; with a <paramref name="swish"/> the
    /// output goes through x·σ(x) as a fused engine's would.</summary>
    public FloatPointwise(float[] weights, float[] bias, Swish swish = Swish.None)
    {
        _swish = swish;
        _packed = new float[Channels * Channels];
        for (var o = 0; o < Channels; o++)
            for (var i = 0; i < Channels; i++)
                _packed[i * Channels + o] = weights[o * Channels + i];
        _bias = bias;
    }

    /// <summary>Whether this CPU runs it (AVX-512 F).</summary>
    public static bool IsSupported => Avx512F.IsSupported;

    /// <summary>out[f, o] = bias[o] + Σ_i in[f, i] · w[o, i] for <paramref name="frames"/> frames.</summary>
    public void Run(ReadOnlySpan<float> input, Span<float> output, int frames)
    {
        fixed (float* x = input, y = output, w = _packed, b = _bias)
        {
            var f = 0;
            for (; f + FramesPerBlock <= frames; f += FramesPerBlock) Block(x + f * Channels, y + f * Channels, w, b);
            for (; f < frames; f++) Single(x + f * Channels, y + f * Channels, w, b);
            if (_swish != Swish.None)
            {
                // In the engine this would run on the accumulators before the store; here it is a second pass over
                // the block's output, still in the L1 cache, which costs the same arithmetic.
                for (var i = 0; i < frames * Channels; i += Lanes)
                {
                    var v = Avx512F.LoadVector512(y + i);
                    Avx512F.Store(y + i, _swish == Swish.Polynomial ? PolynomialSwish(v) : v / (Vector512<float>.One + Vector512.Exp(-v)));
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block(float* x, float* y, float* w, float* b)
    {
        var b0 = Avx512F.LoadVector512(b); var b1 = Avx512F.LoadVector512(b + 16); var b2 = Avx512F.LoadVector512(b + 32);
        var b3 = Avx512F.LoadVector512(b + 48); var b4 = Avx512F.LoadVector512(b + 64);
        Vector512<float> a00 = b0, a01 = b1, a02 = b2, a03 = b3, a04 = b4;
        Vector512<float> a10 = b0, a11 = b1, a12 = b2, a13 = b3, a14 = b4;
        Vector512<float> a20 = b0, a21 = b1, a22 = b2, a23 = b3, a24 = b4;
        Vector512<float> a30 = b0, a31 = b1, a32 = b2, a33 = b3, a34 = b4;
        for (var i = 0; i < Channels; i++)
        {
            var wi = w + i * Channels;
            var w0 = Avx512F.LoadVector512(wi); var w1 = Avx512F.LoadVector512(wi + 16); var w2 = Avx512F.LoadVector512(wi + 32);
            var w3 = Avx512F.LoadVector512(wi + 48); var w4 = Avx512F.LoadVector512(wi + 64);
            var v = Vector512.Create(x[i]);
            a00 = Avx512F.FusedMultiplyAdd(w0, v, a00); a01 = Avx512F.FusedMultiplyAdd(w1, v, a01); a02 = Avx512F.FusedMultiplyAdd(w2, v, a02);
            a03 = Avx512F.FusedMultiplyAdd(w3, v, a03); a04 = Avx512F.FusedMultiplyAdd(w4, v, a04);
            v = Vector512.Create(x[Channels + i]);
            a10 = Avx512F.FusedMultiplyAdd(w0, v, a10); a11 = Avx512F.FusedMultiplyAdd(w1, v, a11); a12 = Avx512F.FusedMultiplyAdd(w2, v, a12);
            a13 = Avx512F.FusedMultiplyAdd(w3, v, a13); a14 = Avx512F.FusedMultiplyAdd(w4, v, a14);
            v = Vector512.Create(x[2 * Channels + i]);
            a20 = Avx512F.FusedMultiplyAdd(w0, v, a20); a21 = Avx512F.FusedMultiplyAdd(w1, v, a21); a22 = Avx512F.FusedMultiplyAdd(w2, v, a22);
            a23 = Avx512F.FusedMultiplyAdd(w3, v, a23); a24 = Avx512F.FusedMultiplyAdd(w4, v, a24);
            v = Vector512.Create(x[3 * Channels + i]);
            a30 = Avx512F.FusedMultiplyAdd(w0, v, a30); a31 = Avx512F.FusedMultiplyAdd(w1, v, a31); a32 = Avx512F.FusedMultiplyAdd(w2, v, a32);
            a33 = Avx512F.FusedMultiplyAdd(w3, v, a33); a34 = Avx512F.FusedMultiplyAdd(w4, v, a34);
        }
        Avx512F.Store(y, a00); Avx512F.Store(y + 16, a01); Avx512F.Store(y + 32, a02); Avx512F.Store(y + 48, a03); Avx512F.Store(y + 64, a04);
        y += Channels;
        Avx512F.Store(y, a10); Avx512F.Store(y + 16, a11); Avx512F.Store(y + 32, a12); Avx512F.Store(y + 48, a13); Avx512F.Store(y + 64, a14);
        y += Channels;
        Avx512F.Store(y, a20); Avx512F.Store(y + 16, a21); Avx512F.Store(y + 32, a22); Avx512F.Store(y + 48, a23); Avx512F.Store(y + 64, a24);
        y += Channels;
        Avx512F.Store(y, a30); Avx512F.Store(y + 16, a31); Avx512F.Store(y + 32, a32); Avx512F.Store(y + 48, a33); Avx512F.Store(y + 64, a34);
    }

    /// <summary>x·σ(x) = x / (1 + 2^t), t = −x·log₂e: 2^t as vscalef(p(t − round t), round t), the reciprocal as
    /// rcp14 and one Newton step. Large |x| comes out right: 2^t overflows to ∞ (x·0 = 0) or underflows to 0 (x).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> PolynomialSwish(Vector512<float> x)
    {
        var t = x * Vector512.Create(-1.44269504f);
        var n = Avx512F.RoundScale(t, 0); // to nearest
        var f = t - n;
        var p = Avx512F.FusedMultiplyAdd(Vector512.Create(1.3333558e-3f), f, Vector512.Create(9.6181291e-3f));
        p = Avx512F.FusedMultiplyAdd(p, f, Vector512.Create(5.5504109e-2f));
        p = Avx512F.FusedMultiplyAdd(p, f, Vector512.Create(0.24022651f));
        p = Avx512F.FusedMultiplyAdd(p, f, Vector512.Create(0.69314718f));
        p = Avx512F.FusedMultiplyAdd(p, f, Vector512<float>.One);
        var d = Vector512<float>.One + Avx512F.Scale(p, n);
        var r = Avx512F.Reciprocal14(d);
        r *= Vector512.Create(2f) - d * r;
        return x * r;
    }

    private static void Single(float* x, float* y, float* w, float* b)
    {
        for (var o = 0; o < Channels; o += Lanes)
        {
            var acc = Avx512F.LoadVector512(b + o);
            for (var i = 0; i < Channels; i++) acc = Avx512F.FusedMultiplyAdd(Avx512F.LoadVector512(w + i * Channels + o), Vector512.Create(x[i]), acc);
            Avx512F.Store(y + o, acc);
        }
    }
}
