using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Dipper.Bench.Int8Kernels;

/// <summary>
/// A float32 80 → 80 1×1 convolution that skips the zero weights of a pruned layer, for the bench only (issue
/// cpu-speed: "sparse kernels for pruned 1×1 layers, if they measure faster"). ONNX Runtime's kernels are dense: a
/// zero costs them what any weight costs. Activations are channel-major ([80][frames], ONNX Runtime's NCHW with H = 1),
/// so one vector holds 16 frames of one channel. Each output channel keeps only its nonzero weights and their input
/// channels (compressed rows); a block of 64 frames broadcasts each nonzero once and multiplies it into 4 vectors, so
/// the work is the nonzeros, not the matrix.
/// </summary>
internal sealed unsafe class SparsePointwise
{
    private const int Channels = 80;
    private const int Lanes = 16;
    private const int BlockFrames = 4 * Lanes;
    private readonly int[] _rowStart = new int[Channels + 1];
    private readonly int[] _inputChannel;
    private readonly float[] _weight;
    private readonly float[] _bias;

    /// <summary>The layer's weights [out, in] (its zeros skipped) and bias.</summary>
    public SparsePointwise(float[] weights, float[] bias)
    {
        var inputs = new List<int>();
        var values = new List<float>();
        for (var o = 0; o < Channels; o++)
        {
            _rowStart[o] = inputs.Count;
            for (var i = 0; i < Channels; i++)
            {
                if (weights[o * Channels + i] == 0) continue;
                inputs.Add(i);
                values.Add(weights[o * Channels + i]);
            }
        }
        _rowStart[Channels] = inputs.Count;
        _inputChannel = [.. inputs];
        _weight = [.. values];
        _bias = bias;
    }

    /// <summary>Multiply-adds per frame: the nonzero weights.</summary>
    public int Nonzeros => _weight.Length;

    /// <summary>Whether this CPU runs it (AVX-512 F).</summary>
    public static bool IsSupported => Avx512F.IsSupported;

    /// <summary>out[o, t] = bias[o] + Σ over the nonzero w[o, i] of w[o, i] · in[i, t], for <paramref name="frames"/> frames.</summary>
    public void Run(ReadOnlySpan<float> input, Span<float> output, int frames)
    {
        fixed (float* x = input, y = output, w = _weight)
        fixed (int* from = _inputChannel, start = _rowStart)
        {
            var t = 0;
            for (; t + BlockFrames <= frames; t += BlockFrames) Block(x + t, y + t, frames, w, from, start);
            for (; t + Lanes <= frames; t += Lanes) Vector(x + t, y + t, frames, w, from, start);
            // The last frames as the last 16, again where they overlap frames already done (the same values).
            if (t < frames && frames >= Lanes) Vector(x + frames - Lanes, y + frames - Lanes, frames, w, from, start);
            else for (; t < frames; t++) Frame(x + t, y + t, frames, w, from, start);
        }
    }

    private void Block(float* x, float* y, int stride, float* w, int* from, int* start)
    {
        for (var o = 0; o < Channels; o++)
        {
            var b = Vector512.Create(_bias[o]);
            var (a0, a1, a2, a3) = (b, b, b, b);
            for (var k = start[o]; k < start[o + 1]; k++)
            {
                var weight = Vector512.Create(w[k]);
                var row = x + (long)from[k] * stride;
                a0 = Avx512F.FusedMultiplyAdd(Vector512.Load(row), weight, a0);
                a1 = Avx512F.FusedMultiplyAdd(Vector512.Load(row + Lanes), weight, a1);
                a2 = Avx512F.FusedMultiplyAdd(Vector512.Load(row + 2 * Lanes), weight, a2);
                a3 = Avx512F.FusedMultiplyAdd(Vector512.Load(row + 3 * Lanes), weight, a3);
            }
            var target = y + (long)o * stride;
            a0.Store(target);
            a1.Store(target + Lanes);
            a2.Store(target + 2 * Lanes);
            a3.Store(target + 3 * Lanes);
        }
    }

    private void Vector(float* x, float* y, int stride, float* w, int* from, int* start)
    {
        for (var o = 0; o < Channels; o++)
        {
            var sum = Vector512.Create(_bias[o]);
            for (var k = start[o]; k < start[o + 1]; k++)
                sum = Avx512F.FusedMultiplyAdd(Vector512.Load(x + (long)from[k] * stride), Vector512.Create(w[k]), sum);
            sum.Store(y + (long)o * stride);
        }
    }

    private void Frame(float* x, float* y, int stride, float* w, int* from, int* start)
    {
        for (var o = 0; o < Channels; o++)
        {
            var sum = _bias[o];
            for (var k = start[o]; k < start[o + 1]; k++) sum += w[k] * x[(long)from[k] * stride];
            y[(long)o * stride] = sum;
        }
    }
}
