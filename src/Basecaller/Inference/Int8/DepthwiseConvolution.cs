using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Dipper.Basecaller.Inference.Int8;

/// <summary>
/// The int8 depthwise convolution of an int8 ONNX model (stride 1, "same" padding, an odd number of taps), on
/// channels-last uint8 activations, with ONNX Runtime's arithmetic: the int32 sum of (x − x₀)·w plus the bias, times
/// the channel's float scale (input scale × weight scale / output scale), rounded to the nearest even integer, plus the
/// output's zero point, saturated to a byte. It gives ONNX Runtime's own <c>QLinearConv</c> bit for bit and measured
/// about 1.5x it per CPU-second on a Zen 4 core (bench/int8-kernels, docs/cpu-speed.md section 14), where ONNX Runtime's
/// depthwise layers took as long as the 1×1 layers that do 7 times their multiply-adds: 40 % of the int8 model's time.
/// </summary>
/// <remarks>
/// <para><b>Two taps per product.</b> AVX-512 BW's <c>vpmaddwd</c> multiplies 32 pairs of 16-bit values and adds each
/// pair into one 32-bit lane. A lane holds one channel; its pair is the channel at frames t and t + 1, so one instruction
/// applies two taps to 16 channels. Each frame pair is widened and interleaved once per block of frames ("pair rows") and
/// read by the 6 output frames whose taps it serves; the 11 taps of the default model take 6 products (the twelfth
/// weight is zero). Products of a byte and an int8 weight, 11 of them, cannot overflow 32 bits.</para>
/// <para><b>Zero point.</b> Frames beyond either end are a frame of the input's zero point, which contributes nothing
/// to Σ (x − x₀)·w; the kernel multiplies the raw bytes and folds −x₀·Σw into each channel's bias.</para>
/// <para><b>Requantisation</b> as ONNX Runtime's MLAS does it: the exact int32 sum converted to float, multiplied by the
/// scale, converted back with the default round-to-nearest-even; the output zero point is added before signed
/// saturation to [−128, 127] (the zero point less 128, so the saturated range is the uint8 one shifted), then the top
/// bit is flipped back. Clamping before or after rounding gives the same result, as the bounds are integers.</para>
/// </remarks>
public sealed unsafe class DepthwiseConvolution
{
    /// <summary>Channels per lane group: 16 int32 lanes of a 512-bit vector.</summary>
    private const int ChannelGroup = 16;

    /// <summary>Output frames per block of pair rows (the pair rows of a block stay in the L1 cache).</summary>
    private const int BlockFrames = 64;

    private readonly int _channels;
    private readonly int _taps;
    private readonly int _pairs;
    private readonly short[] _weights;
    private readonly int[] _bias;
    private readonly float[] _scale;
    private readonly int _outZeroPoint;
    private readonly byte[] _paddingFrame;

    /// <summary>True on a CPU with AVX-512 BW (and the AVX2 widening it builds on), where the kernel can run.</summary>
    public static bool IsSupported => Avx512BW.IsSupported && Avx2.IsSupported;

    /// <summary>True for a layer the kernel computes: channels in sixteens, an odd number of taps up to 15.</summary>
    public static bool Fits(int channels, int taps) => channels > 0 && channels % ChannelGroup == 0 && taps is > 0 and <= 15 && taps % 2 == 1;

    /// <summary>
    /// Prepares one layer as an ONNX <c>QLinearConv</c> holds it: weights [channels, taps] int8 (weight zero point 0),
    /// the int32 bias, the input and output scales and zero points, and one weight scale per channel (or one for all).
    /// </summary>
    /// <exception cref="ArgumentException">The layer does not <see cref="Fits"/>, or a length is wrong.</exception>
    public DepthwiseConvolution(ReadOnlySpan<sbyte> weights, int channels, int taps, ReadOnlySpan<int> bias,
        float inScale, byte inZeroPoint, ReadOnlySpan<float> weightScales, float outScale, byte outZeroPoint)
    {
        if (!Fits(channels, taps))
            throw new ArgumentException($"{channels} channels × {taps} taps: needs channels in sixteens and an odd number of taps up to 15");
        if (weights.Length != channels * taps || bias.Length != channels || (weightScales.Length != channels && weightScales.Length != 1))
            throw new ArgumentException($"{channels} channels × {taps} taps need {channels * taps} weights, {channels} biases and 1 or {channels} weight scales");
        _channels = channels;
        _taps = taps;
        _pairs = (taps + 1) / 2;
        _paddingFrame = new byte[channels];
        _paddingFrame.AsSpan().Fill(inZeroPoint);
        _outZeroPoint = outZeroPoint - 128;
        _weights = new short[channels / ChannelGroup * _pairs * 2 * ChannelGroup];
        _bias = new int[channels];
        _scale = new float[channels];
        for (var c = 0; c < channels; c++)
        {
            var sum = 0;
            for (var k = 0; k < taps; k++) sum += weights[c * taps + k];
            _bias[c] = bias[c] - inZeroPoint * sum;
            // ONNX Runtime's order: (input scale × weight scale) / output scale, in float.
            _scale[c] = inScale * weightScales[weightScales.Length == 1 ? 0 : c] / outScale;
            var (group, lane) = (c / ChannelGroup, c % ChannelGroup);
            for (var j = 0; j < _pairs; j++)
            {
                var at = (group * _pairs + j) * 2 * ChannelGroup + 2 * lane;
                _weights[at] = weights[c * taps + 2 * j];
                _weights[at + 1] = 2 * j + 1 < taps ? weights[c * taps + 2 * j + 1] : (short)0;
            }
        }
    }

    /// <summary>Channels of the layer.</summary>
    public int Channels => _channels;

    /// <summary>Taps of the layer.</summary>
    public int Taps => _taps;

    /// <summary>16-bit values of pair rows <see cref="Run"/> needs as scratch.</summary>
    public int PairRowValues => (BlockFrames + 2 * _pairs) * 2 * ChannelGroup;

    /// <summary>
    /// One image: <paramref name="input"/> and <paramref name="output"/> are [frames, channels] uint8, channels last.
    /// <paramref name="pairRows"/> is scratch of <see cref="PairRowValues"/>.
    /// </summary>
    /// <exception cref="PlatformNotSupportedException">The CPU lacks AVX-512 BW.</exception>
    /// <exception cref="ArgumentException">A span is shorter than the frames need.</exception>
    public void Run(ReadOnlySpan<byte> input, Span<byte> output, int frames, Span<short> pairRows)
    {
        if (!IsSupported) throw new PlatformNotSupportedException("the depthwise int8 kernel needs AVX-512 BW");
        ArgumentOutOfRangeException.ThrowIfLessThan(frames, 1);
        var c = _channels;
        if (input.Length < frames * c || output.Length < frames * c || pairRows.Length < PairRowValues)
            throw new ArgumentException($"{frames} frames of {c} channels: a buffer is too short");
        const int Row = 2 * ChannelGroup;
        fixed (byte* x = input)
        fixed (byte* padding = _paddingFrame)
        fixed (byte* y = output)
        fixed (short* rows = pairRows)
        fixed (short* weights = _weights)
        fixed (int* bias = _bias)
        fixed (float* scale = _scale)
        {
            var zero = Vector512.Create(_outZeroPoint);
            for (var group = 0; group < c / ChannelGroup; group++)
            {
                var w = weights + group * _pairs * Row;
                var b = Vector512.Load(bias + group * ChannelGroup);
                var s = Vector512.Load(scale + group * ChannelGroup);
                for (var first = 0; first < frames; first += BlockFrames)
                {
                    var count = Math.Min(BlockFrames, frames - first);
                    BuildPairRows(x + group * ChannelGroup, padding + group * ChannelGroup, first - _taps / 2, frames, rows, count + 2 * _pairs - 2);
                    var target = y + (long)first * c + group * ChannelGroup;
                    if (_pairs == 6) SixPairs(rows, target, count, c, w, b, s, zero);
                    else AnyPairs(rows, target, count, c, _pairs, w, b, s, zero);
                }
            }
        }
    }

    /// <summary>
    /// Pair row r: the group's 16 channels at frames <paramref name="start"/> + r and + r + 1, widened to 16 bits and
    /// interleaved; a frame before the first or after the last is the padding frame (the input's zero point).
    /// </summary>
    private void BuildPairRows(byte* input, byte* padding, int start, int frames, short* rows, int count)
    {
        var c = _channels;
        byte* Frame(int t) => t >= 0 && t < frames ? input + (long)t * c : padding;
        var interleave = Vector512.Create((short)0, 32, 1, 33, 2, 34, 3, 35, 4, 36, 5, 37, 6, 38, 7, 39,
            8, 40, 9, 41, 10, 42, 11, 43, 12, 44, 13, 45, 14, 46, 15, 47);
        // Each frame is widened once and serves two pair rows: the second half of one, the first half of the next.
        var now = Avx2.ConvertToVector256Int16(Frame(start)).ToVector512Unsafe();
        for (var r = 0; r < count; r++, rows += 2 * ChannelGroup)
        {
            var next = Avx2.ConvertToVector256Int16(Frame(start + r + 1)).ToVector512Unsafe();
            Avx512BW.PermuteVar32x16x2(now, interleave, next).Store(rows);
            now = next;
        }
    }

    /// <summary>Output frames of one block for 11-tap (6-pair) layers, the default model's, with the weights in registers.</summary>
    private static void SixPairs(short* rows, byte* target, int count, int channels, short* w, Vector512<int> bias, Vector512<float> scale, Vector512<int> zero)
    {
        const int Row = 2 * ChannelGroup;
        var (w0, w1, w2, w3, w4, w5) = (Vector512.Load(w), Vector512.Load(w + Row), Vector512.Load(w + 2 * Row),
            Vector512.Load(w + 3 * Row), Vector512.Load(w + 4 * Row), Vector512.Load(w + 5 * Row));
        for (var f = 0; f < count; f++, rows += Row, target += channels)
        {
            var m01 = Avx512BW.MultiplyAddAdjacent(Vector512.Load(rows), w0) + Avx512BW.MultiplyAddAdjacent(Vector512.Load(rows + 2 * Row), w1);
            var m23 = Avx512BW.MultiplyAddAdjacent(Vector512.Load(rows + 4 * Row), w2) + Avx512BW.MultiplyAddAdjacent(Vector512.Load(rows + 6 * Row), w3);
            var m45 = Avx512BW.MultiplyAddAdjacent(Vector512.Load(rows + 8 * Row), w4) + Avx512BW.MultiplyAddAdjacent(Vector512.Load(rows + 10 * Row), w5);
            Store(m01 + bias + (m23 + m45), scale, zero, target);
        }
    }

    /// <summary>Output frames of one block for any other tap count, the weights read from the cache.</summary>
    private static void AnyPairs(short* rows, byte* target, int count, int channels, int pairs, short* w, Vector512<int> bias, Vector512<float> scale, Vector512<int> zero)
    {
        const int Row = 2 * ChannelGroup;
        for (var f = 0; f < count; f++, rows += Row, target += channels)
        {
            var sum = bias;
            for (var j = 0; j < pairs; j++) sum += Avx512BW.MultiplyAddAdjacent(Vector512.Load(rows + 2 * j * Row), Vector512.Load(w + j * Row));
            Store(sum, scale, zero, target);
        }
    }

    /// <summary>
    /// 16 outputs: the sums times the scale, rounded to the nearest even integer, plus the output zero point less 128,
    /// saturated to [−128, 127] and moved up by 128 (the top bit flipped).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector512<int> sum, Vector512<float> scale, Vector512<int> zero, byte* target)
    {
        var rounded = Avx512F.ConvertToVector512Int32(Avx512F.ConvertToVector512Single(sum) * scale) + zero;
        (Avx512F.ConvertToVector128SByteWithSaturation(rounded).AsByte() ^ Vector128.Create((byte)0x80)).Store(target);
    }
}
