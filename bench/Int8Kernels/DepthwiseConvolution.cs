using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Dipper.Bench.Int8Kernels;

/// <summary>
/// The int8 depthwise convolution of the model's blocks (DEPTHWISE_CONV_2D, k taps, stride 1, SAME padding, depth
/// multiplier 1) on one chunk, requantised as TFLite's x86-64 kernel does (ties away from zero, unlike CONV_2D).
/// </summary>
/// <remarks>
/// <c>vpdpbusd</c> would need 4 taps of one channel side by side; <c>vpmaddwd</c> (AVX-512 BW) needs 2, which one
/// permute makes: each padded input frame s and s + 1 are widened to 16 bits and interleaved per channel
/// (<c>vpermt2w</c>) once, into a scratch of tap pairs, and an output frame is ⌈k/2⌉ <c>vpmaddwd</c> + adds over 16 channels.
/// Activations are offset bytes (int8 + 128) as in the 1×1 kernel; the zero point folds into the bias, and padding is
/// the offset zero point, which contributes nothing. Requantisation: TFLite's rounding high multiply is
/// ⌊(x·m + 2³⁰) / 2³¹⌋ = h; its shift rounds ties away from zero, ⌊(h + 2ᵉ⁻¹ − [h &lt; 0]) / 2ᵉ⌋ for e ≥ 1, and
/// h &lt; 0 exactly when x·m + 2³⁰ &lt; 0, so both are one floor of x·m + 2³⁰ + (2ᵉ⁻¹ − [h &lt; 0])·2³¹ by 2³¹⁺ᵉ.
/// </remarks>
internal sealed unsafe class DepthwiseConvolution
{
    private const int Lanes = 16;
    private readonly int _channels;
    private readonly int _taps;
    private readonly int _pairs;
    private readonly int _padBefore;
    private readonly int _inZeroPoint;
    private readonly short[] _weights; // [pair][channel][2]
    private readonly int[] _bias, _significandEven, _significandOdd;
    private readonly long[] _roundingEven, _roundingOdd, _negativeEven, _negativeOdd;
    private readonly ulong[] _shiftEven, _shiftOdd;
    private readonly int _outZeroPoint;
    private short[] _scratch = [];

    public DepthwiseConvolution(ReadOnlySpan<sbyte> weights, int taps, int channels, ReadOnlySpan<int> bias,
        ReadOnlySpan<int> significands, ReadOnlySpan<int> shifts, int inZeroPoint, int outZeroPoint)
    {
        if (channels % Lanes != 0 || taps > 12) throw new ArgumentException($"{channels} channels, {taps} taps: needs sixteens, and 12 taps at most");
        _channels = channels;
        _taps = taps;
        _pairs = (taps + 1) / 2;
        _padBefore = (taps - 1) / 2;
        _inZeroPoint = inZeroPoint;
        _outZeroPoint = outZeroPoint;
        _weights = Pinned<short>(_pairs * channels * 2);
        _bias = Pinned<int>(channels);
        for (var c = 0; c < channels; c++)
        {
            var sum = 0;
            for (var k = 0; k < taps; k++)
            {
                var w = weights[k * channels + c]; // TFLite's filter [1, 1, k, channels]
                sum += w;
                _weights[(k / 2 * channels + c) * 2 + k % 2] = w;
            }
            _bias[c] = bias[c] - (128 + inZeroPoint) * sum;
        }
        _significandEven = Pinned<int>(channels);
        _significandOdd = Pinned<int>(channels);
        _roundingEven = Pinned<long>(channels / 2);
        _roundingOdd = Pinned<long>(channels / 2);
        _negativeEven = Pinned<long>(channels / 2);
        _negativeOdd = Pinned<long>(channels / 2);
        _shiftEven = Pinned<ulong>(channels / 2);
        _shiftOdd = Pinned<ulong>(channels / 2);
        for (var c = 0; c < channels; c++)
        {
            if (shifts[c] > 0) throw new ArgumentException("a left shift: not needed by the model's depthwise layers, not written");
            var right = -shifts[c];
            var rounding = (1L << 30) + (right > 0 ? 1L << (right - 1 + 31) : 0);
            var negative = right > 0 ? 1L << 31 : 0;
            var (significand, round, neg, shift) = c % 2 == 0
                ? (_significandEven, _roundingEven, _negativeEven, _shiftEven)
                : (_significandOdd, _roundingOdd, _negativeOdd, _shiftOdd);
            significand[c - c % 2] = significands[c];
            round[c / 2] = rounding;
            neg[c / 2] = negative;
            shift[c / 2] = (ulong)(31 + right);
        }
    }

    public static bool IsSupported => Avx512BW.IsSupported;

    /// <summary>One chunk: offset bytes [frames, channels] to offset bytes [frames, channels].</summary>
    public void Run(ReadOnlySpan<byte> input, Span<byte> output, int frames)
    {
        var padded = frames + _pairs * 2;
        if (_scratch.Length < padded * _channels * 2) _scratch = Pinned<short>(padded * _channels * 2);
        var n = _channels;
        var pad = (short)(_inZeroPoint + 128);
        fixed (byte* x = input)
        fixed (byte* y = output)
        {
            var pairs = Pin(_scratch);
            // Tap pairs: pairs[s] interleaves padded frames s and s + 1, channel by channel.
            var index = Vector512.Create((short)0, 32, 1, 33, 2, 34, 3, 35, 4, 36, 5, 37, 6, 38, 7, 39,
                8, 40, 9, 41, 10, 42, 11, 43, 12, 44, 13, 45, 14, 46, 15, 47);
            for (var s = 0; s < padded - 1; s++)
            {
                var first = s - _padBefore;
                var inside = first >= 0 && first + 1 < frames;
                for (var c = 0; c < n; c += Lanes)
                {
                    var a = inside ? Avx2.ConvertToVector256Int16(Vector128.Load(x + (nint)first * n + c)).ToVector512Unsafe() : Frame(x, first, frames, n, c, pad);
                    var b = inside ? Avx2.ConvertToVector256Int16(Vector128.Load(x + (nint)(first + 1) * n + c)).ToVector512Unsafe() : Frame(x, first + 1, frames, n, c, pad);
                    Avx512BW.PermuteVar32x16x2(a, index, b).Store(pairs + ((nint)s * n + c) * 2);
                }
            }
            var w = Pin(_weights);
            for (var c = 0; c < n; c += Lanes)
            {
                var stage = new Stage(this, c);
                // Up to 6 tap pairs (12 taps) held in registers; missing pairs are zero weights.
                var zero = Vector512<short>.Zero;
                var w0 = Vector512.Load(w + c * 2);
                var w1 = _pairs > 1 ? Vector512.Load(w + (n + c) * 2) : zero;
                var w2 = _pairs > 2 ? Vector512.Load(w + (2 * n + c) * 2) : zero;
                var w3 = _pairs > 3 ? Vector512.Load(w + (3 * n + c) * 2) : zero;
                var w4 = _pairs > 4 ? Vector512.Load(w + (4 * n + c) * 2) : zero;
                var w5 = _pairs > 5 ? Vector512.Load(w + (5 * n + c) * 2) : zero;
                var row = (nint)n * 2;
                var p = pairs + c * 2;
                for (var t = 0; t < frames; t++, p += row)
                {
                    var acc = Avx512BW.MultiplyAddAdjacent(Vector512.Load(p), w0)
                        + Avx512BW.MultiplyAddAdjacent(Vector512.Load(p + 2 * row), w1)
                        + Avx512BW.MultiplyAddAdjacent(Vector512.Load(p + 4 * row), w2)
                        + Avx512BW.MultiplyAddAdjacent(Vector512.Load(p + 6 * row), w3)
                        + Avx512BW.MultiplyAddAdjacent(Vector512.Load(p + 8 * row), w4)
                        + Avx512BW.MultiplyAddAdjacent(Vector512.Load(p + 10 * row), w5);
                    stage.Write(acc, y + t * n + c);
                }
            }
        }
    }

    /// <summary>16 channels of padded frame s widened to 16 bits (in the low half), the zero point outside the chunk.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<short> Frame(byte* x, int t, int frames, int n, int c, short pad) =>
        t < 0 || t >= frames
            ? Vector512.Create(pad)
            : Avx2.ConvertToVector256Int16(Vector128.Load(x + (nint)t * n + c)).ToVector512Unsafe();

    private readonly struct Stage
    {
        private readonly Vector512<int> _bias, _significandEven, _significandOdd, _zeroPoint;
        private readonly Vector512<long> _roundingEven, _roundingOdd, _negativeEven, _negativeOdd;
        private readonly Vector512<ulong> _shiftEven, _shiftOdd;

        public Stage(DepthwiseConvolution layer, int c)
        {
            _bias = Vector512.Load(Pin(layer._bias) + c);
            _significandEven = Vector512.Load(Pin(layer._significandEven) + c);
            _significandOdd = Vector512.Load(Pin(layer._significandOdd) + c);
            _roundingEven = Vector512.Load(Pin(layer._roundingEven) + c / 2);
            _roundingOdd = Vector512.Load(Pin(layer._roundingOdd) + c / 2);
            _negativeEven = Vector512.Load(Pin(layer._negativeEven) + c / 2);
            _negativeOdd = Vector512.Load(Pin(layer._negativeOdd) + c / 2);
            _shiftEven = Vector512.Load(Pin(layer._shiftEven) + c / 2);
            _shiftOdd = Vector512.Load(Pin(layer._shiftOdd) + c / 2);
            _zeroPoint = Vector512.Create(layer._outZeroPoint);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Write(Vector512<int> accumulator, byte* y)
        {
            var x = accumulator + _bias;
            var even = Round(Avx512F.Multiply(x, _significandEven), _roundingEven, _negativeEven, _shiftEven);
            var odd = Round(Avx512F.Multiply(Avx512F.ShiftRightLogical(x.AsInt64(), 32).AsInt32(), _significandOdd), _roundingOdd, _negativeOdd, _shiftOdd);
            var joined = Vector512.ConditionalSelect(Vector512.Create(0xFFFFFFFFL), even, Avx512F.ShiftLeftLogical(odd, 32)).AsInt32();
            var bytes = Avx512F.ConvertToVector128SByteWithSaturation(joined + _zeroPoint).AsByte();
            (bytes ^ Vector128.Create((byte)0x80)).Store(y);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<long> Round(Vector512<long> product, Vector512<long> rounding, Vector512<long> negative, Vector512<ulong> shift)
        {
            var high = product + Vector512.Create(1L << 30);
            var sum = product + rounding - (Avx512F.ShiftRightArithmetic(high, 63) & negative);
            return Avx512F.ShiftRightArithmeticVariable(sum, shift);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T* Pin<T>(T[] array) where T : unmanaged => (T*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));

    private static T[] Pinned<T>(int length) where T : unmanaged => GC.AllocateArray<T>(length, pinned: true);
}
