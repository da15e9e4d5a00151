using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Dipper.Compiler.Graph.Operations;

namespace Dipper.Compiler.Graph.Execution;

/// <summary>
/// Plain float32 kernels for the reference executor, one per operation kind, written for
/// clarity first: convolutions are sums of shifted rows (a vectorised y += a·x over time), so the
/// code reads like the formula and still runs a base caller on thousands of chunks in seconds.
/// </summary>
internal static class FloatKernels
{
    /// <summary>PyTorch's Conv1d on [batch, in, time] → [batch, out, frames], with groups, stride, dilation and zero padding.</summary>
    public static FloatTensor Conv1d(FloatTensor input, Conv1d conv, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias)
    {
        var (batch, length) = (input.Dim(0), input.Dim(2));
        var frames = conv.OutputLength(length);
        var output = FloatTensor.Zeros(batch, conv.OutChannels, frames);
        var inPerGroup = conv.InChannels / conv.Groups;
        var outPerGroup = conv.OutChannels / conv.Groups;
        var k = conv.KernelSize;
        for (var b = 0; b < batch; b++)
        {
            for (var o = 0; o < conv.OutChannels; o++)
            {
                var y = output.Values.AsSpan((b * conv.OutChannels + o) * frames, frames);
                if (!bias.IsEmpty) y.Fill(bias[o]);
                var firstInput = o / outPerGroup * inPerGroup;
                for (var i = 0; i < inPerGroup; i++)
                {
                    var x = input.Values.AsSpan((b * conv.InChannels + firstInput + i) * length, length);
                    var taps = weight.Slice((o * inPerGroup + i) * k, k);
                    for (var tap = 0; tap < k; tap++)
                        AddShifted(y, taps[tap], x, tap * conv.Dilation - conv.Padding, conv.Stride);
                }
            }
        }
        return output;
    }

    /// <summary>
    /// PyTorch's ConvTranspose1d (one group) on [batch, in, time] → [batch, out, frames]: every input frame t adds
    /// W[i, o, tap]·x[i, t] to output frame t·stride + tap − padding (frames outside the output are dropped).
    /// </summary>
    public static FloatTensor ConvTranspose1d(FloatTensor input, ConvTranspose1d conv, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias)
    {
        var (batch, length) = (input.Dim(0), input.Dim(2));
        var frames = conv.OutputLength(length);
        var output = FloatTensor.Zeros(batch, conv.OutChannels, frames);
        var k = conv.KernelSize;
        for (var b = 0; b < batch; b++)
        {
            for (var o = 0; o < conv.OutChannels; o++)
            {
                var y = output.Values.AsSpan((b * conv.OutChannels + o) * frames, frames);
                if (!bias.IsEmpty) y.Fill(bias[o]);
                for (var i = 0; i < conv.InChannels; i++)
                {
                    var x = input.Values.AsSpan((b * conv.InChannels + i) * length, length);
                    var taps = weight.Slice((i * conv.OutChannels + o) * k, k);
                    for (var tap = 0; tap < k; tap++)
                    {
                        var a = taps[tap];
                        for (var t = 0; t < length; t++)
                        {
                            var at = t * conv.Stride + tap - conv.Padding;
                            if (at >= 0 && at < frames) y[at] += a * x[t];
                        }
                    }
                }
            }
        }
        return output;
    }

    /// <summary>y[t] += a·x[t·stride + offset] wherever that index is inside x (outside is zero padding).</summary>
    private static void AddShifted(Span<float> y, float a, ReadOnlySpan<float> x, int offset, int stride)
    {
        // Frames whose tap lands inside x: 0 ≤ t·stride + offset < x.Length.
        var first = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
        var end = Math.Min(y.Length, x.Length - offset <= 0 ? 0 : (x.Length - offset + stride - 1) / stride);
        if (end <= first) return;
        if (stride == 1)
        {
            Axpy(a, x.Slice(first + offset, end - first), y[first..end]);
            return;
        }
        for (var t = first; t < end; t++) y[t] += a * x[t * stride + offset];
    }

    /// <summary>y += a·x, vectorised.</summary>
    public static void Axpy(float a, ReadOnlySpan<float> x, Span<float> y)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated && y.Length >= Vector<float>.Count)
        {
            var va = new Vector<float>(a);
            ref var xr = ref MemoryMarshal.GetReference(x);
            ref var yr = ref MemoryMarshal.GetReference(y);
            for (; i <= y.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var v = Vector.LoadUnsafe(ref Unsafe.Add(ref yr, i)) + va * Vector.LoadUnsafe(ref Unsafe.Add(ref xr, i));
                v.StoreUnsafe(ref Unsafe.Add(ref yr, i));
            }
        }
        for (; i < y.Length; i++) y[i] += a * x[i];
    }

    /// <summary>Inference-mode batch norm over the channel axis of [batch, channels, time], computed as PyTorch does it.</summary>
    public static FloatTensor BatchNorm(FloatTensor input, BatchNorm1d norm, ReadOnlySpan<float> scale, ReadOnlySpan<float> shift,
        ReadOnlySpan<float> mean, ReadOnlySpan<float> variance)
    {
        var output = FloatTensor.Zeros(input.Shape);
        var (batch, channels, length) = (input.Dim(0), input.Dim(1), input.Dim(2));
        for (var b = 0; b < batch; b++)
        {
            for (var c = 0; c < channels; c++)
            {
                var a = (float)(scale[c] / Math.Sqrt(variance[c] + norm.Epsilon));
                var offset = shift[c] - mean[c] * a;
                var start = (b * channels + c) * length;
                for (var t = 0; t < length; t++) output.Values[start + t] = input.Values[start + t] * a + offset;
            }
        }
        return output;
    }

    /// <summary>Applies <paramref name="f"/> to every value.</summary>
    public static FloatTensor Map(FloatTensor input, Func<float, float> f)
    {
        var output = FloatTensor.Zeros(input.Shape);
        for (var i = 0; i < output.Values.Length; i++) output.Values[i] = f(input.Values[i]);
        return output;
    }

    /// <summary>σ(x) = 1 / (1 + e^−x).</summary>
    public static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));

    /// <summary>Elementwise a ⊕ b of two tensors of one shape.</summary>
    public static FloatTensor Zip(FloatTensor a, FloatTensor b, Func<float, float, float> f)
    {
        if (!a.Shape.AsSpan().SequenceEqual(b.Shape))
            throw new ArgumentException($"cannot combine {a} and {b} elementwise");
        var output = FloatTensor.Zeros(a.Shape);
        for (var i = 0; i < output.Values.Length; i++) output.Values[i] = f(a.Values[i], b.Values[i]);
        return output;
    }

    /// <summary>y = x·Wᵀ + b over the last axis.</summary>
    public static FloatTensor Linear(FloatTensor input, Linear linear, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias)
    {
        var rows = input.Values.Length / linear.InFeatures;
        var shape = (int[])input.Shape.Clone();
        shape[^1] = linear.OutFeatures;
        var output = FloatTensor.Zeros(shape);
        for (var r = 0; r < rows; r++)
        {
            var x = input.Values.AsSpan(r * linear.InFeatures, linear.InFeatures);
            for (var o = 0; o < linear.OutFeatures; o++)
            {
                var sum = bias.IsEmpty ? 0f : bias[o];
                var w = weight.Slice(o * linear.InFeatures, linear.InFeatures);
                for (var i = 0; i < x.Length; i++) sum += x[i] * w[i];
                output.Values[r * linear.OutFeatures + o] = sum;
            }
        }
        return output;
    }

    /// <summary>log-softmax along the last axis, with the maximum subtracted first so large scores do not overflow.</summary>
    public static FloatTensor LogSoftmaxLastAxis(FloatTensor input)
    {
        var classes = input.Dim(-1);
        var output = FloatTensor.Zeros(input.Shape);
        for (var start = 0; start < input.Values.Length; start += classes)
        {
            var x = input.Values.AsSpan(start, classes);
            var max = float.NegativeInfinity;
            foreach (var v in x) max = Math.Max(max, v);
            double sum = 0;
            foreach (var v in x) sum += Math.Exp(v - max);
            var log = (float)(max + Math.Log(sum));
            for (var c = 0; c < classes; c++) output.Values[start + c] = x[c] - log;
        }
        return output;
    }

    /// <summary>Reorders axes: output axis i is input axis permutation[i].</summary>
    public static FloatTensor Transpose(FloatTensor input, IReadOnlyList<int> permutation)
    {
        var rank = input.Rank;
        var inStrides = new int[rank];
        for (int a = rank - 1, s = 1; a >= 0; s *= input.Shape[a], a--) inStrides[a] = s;
        var shape = permutation.Select(a => input.Shape[a]).ToArray();
        var output = FloatTensor.Zeros(shape);
        var index = new int[rank];
        for (var i = 0; i < output.Values.Length; i++)
        {
            var from = 0;
            for (var a = 0; a < rank; a++) from += index[a] * inStrides[permutation[a]];
            output.Values[i] = input.Values[from];
            for (var a = rank - 1; a >= 0 && ++index[a] == shape[a]; a--) index[a] = 0;
        }
        return output;
    }
}
