using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Dipper.Basecaller.Inference.Int8;

/// <summary>
/// The int8 1×1 convolution (CONV_2D, kernel 1, stride 1) of a quantised model, computed with AVX-VNNI's
/// <c>vpdpbusd</c> (4 unsigned × signed byte products summed into each int32 lane) and requantised exactly as
/// TFLite's x86-64 CONV_2D does (ruy: ties upward), so that it gives the compiler's int8 reference (Int8Reference with
/// TieRounding.Upward) bit for bit. It measured 1.5-1.7x ONNX Runtime's float 1×1 convolution per CPU-second on one
/// Zen 4 core (bench/int8-kernels, docs/cpu-speed.md section 8), the bar for a kernel of our own; no engine runs
/// it yet: the rest of an int8 engine (depthwise, stem, swish, residual adds) is what section 8 lists.
/// </summary>
/// <remarks>
/// <para><b>256-bit products, 512-bit requantisation.</b> .NET 10 exposes <c>vpdpbusd</c> only at 128 and 256 bits
/// (<see cref="AvxVnni"/>; its 512-bit form is not in the reference pack). A Zen 4 core runs two 256-bit ones a cycle,
/// which is the same 64 multiply-adds a cycle as one 512-bit; the requantisation uses AVX-512 F (64-bit arithmetic
/// shifts per lane, <c>vpmovsdb</c>).</para>
/// <para><b>Activations are offset bytes</b>: the int8 code + 128 (its bits with the top one flipped), because
/// <c>vpdpbusd</c> multiplies unsigned by signed bytes. Σ w·(x − z) = Σ w·(x + 128) − (128 + z)·Σ w, so the input's zero
/// point z goes into the bias once per output channel, and the output is written offset too, ready for the next layer.</para>
/// <para><b>Requantisation in one 64-bit step.</b> TFLite computes ⌊(x·m + 2³⁰) / 2³¹⌋ (its rounding doubling high
/// multiply: for either sign, ties away from zero reduce to this floor) and then divides by 2ᵉ rounding ties up,
/// ⌊(h + 2ᵉ⁻¹) / 2ᵉ⌋. Nested floors of integer divisions are one floor, so the result is
/// ⌊(x·m + 2³⁰ + 2ᵉ⁻¹·2³¹) / 2³¹⁺ᵉ⌋: one <c>vpmuldq</c>, one add, one arithmetic shift per 8 channels. The
/// multiplier is positive (the significand is in [2³⁰, 2³¹)), so gemmlowp's one saturating case cannot arise.</para>
/// <para><b>Layout</b>: frames × channels (NHWC), both channel counts multiples of 16 and 4. The weights are packed as
/// [output block of 16][input quad][16 channels][4 inputs], the operand order of <c>vpdpbusd</c>. A block of 5 frames
/// and 16 output channels is 10 accumulators of 8 lanes; each input quad of a frame is broadcast to all 8 lanes of both.</para>
/// </remarks>
public sealed unsafe class PointwiseConvolution
{
    private const int Lanes = 16;
    private const int Frames = 5;

    private readonly int _inChannels;
    private readonly int _outChannels;
    private readonly sbyte[] _packed;
    private readonly int[] _bias;
    private readonly int[] _significandEven;
    private readonly int[] _significandOdd;
    private readonly long[] _roundingEven;
    private readonly long[] _roundingOdd;
    private readonly ulong[] _shiftEven;
    private readonly ulong[] _shiftOdd;
    private readonly int[] _leftShift;
    private readonly bool _leftShifts;
    private readonly int _outZeroPoint;

    /// <summary>
    /// Packs a quantised 1×1 convolution as a TFLite model stores it: weights [out, in] (per-channel int8), the int32
    /// bias, each output channel's multiplier (input scale × weight scale / output scale) as TFLite splits it into a Q0.31
    /// significand and a power-of-two shift, and both zero points.
    /// </summary>
    /// <exception cref="ArgumentException">The channel counts do not fit the kernel's blocks, or a length is wrong.</exception>
    public PointwiseConvolution(ReadOnlySpan<sbyte> weights, int outChannels, int inChannels, ReadOnlySpan<int> bias,
        ReadOnlySpan<int> significands, ReadOnlySpan<int> shifts, int inZeroPoint, int outZeroPoint)
    {
        if (outChannels <= 0 || inChannels <= 0 || outChannels % Lanes != 0 || inChannels % 4 != 0)
            throw new ArgumentException($"{inChannels} → {outChannels} channels: needs outputs in sixteens and inputs in fours");
        if (weights.Length != outChannels * inChannels || bias.Length != outChannels || significands.Length != outChannels || shifts.Length != outChannels)
            throw new ArgumentException($"{inChannels} → {outChannels} channels need {outChannels * inChannels} weights and {outChannels} biases, significands and shifts");
        if (significands.ToArray().Any(s => s < 0))
            throw new ArgumentException("a multiplier is negative: TFLite's are positive Q0.31 significands");
        _inChannels = inChannels;
        _outChannels = outChannels;
        _outZeroPoint = outZeroPoint;
        _packed = Pinned<sbyte>(outChannels * inChannels);
        _bias = Pinned<int>(outChannels);
        var quads = inChannels / 4;
        for (var o = 0; o < outChannels; o++)
        {
            var sum = 0;
            for (var i = 0; i < inChannels; i++)
            {
                var w = weights[o * inChannels + i];
                sum += w;
                _packed[((o / Lanes * quads + i / 4) * Lanes + o % Lanes) * 4 + i % 4] = w;
            }
            _bias[o] = bias[o] - (128 + inZeroPoint) * sum;
        }
        // vpmuldq multiplies the even int32 lanes: the odd channels are shifted down into them, with their constants.
        _significandEven = Pinned<int>(outChannels);
        _significandOdd = Pinned<int>(outChannels);
        _roundingEven = Pinned<long>(outChannels / 2);
        _roundingOdd = Pinned<long>(outChannels / 2);
        _shiftEven = Pinned<ulong>(outChannels / 2);
        _shiftOdd = Pinned<ulong>(outChannels / 2);
        _leftShift = Pinned<int>(outChannels);
        for (var o = 0; o < outChannels; o++)
        {
            var significand = significands[o];
            var right = shifts[o] > 0 ? 0 : -shifts[o];
            if (right > 31) throw new ArgumentException($"channel {o}: a shift of {shifts[o]} is outside TFLite's range");
            _leftShift[o] = shifts[o] > 0 ? shifts[o] : 0;
            _leftShifts |= shifts[o] > 0;
            var rounding = (1L << 30) + (right > 0 ? 1L << (right - 1 + 31) : 0);
            if (o % 2 == 0)
            {
                _significandEven[o] = significand;
                _roundingEven[o / 2] = rounding;
                _shiftEven[o / 2] = (ulong)(31 + right);
            }
            else
            {
                _significandOdd[o - 1] = significand;
                _roundingOdd[o / 2] = rounding;
                _shiftOdd[o / 2] = (ulong)(31 + right);
            }
        }
    }

    /// <summary>Whether this CPU has the instructions: AVX-VNNI for the products, AVX-512 F for the requantisation.</summary>
    public static bool IsSupported => AvxVnni.IsSupported && Avx512F.IsSupported;

    /// <summary>Input channels.</summary>
    public int InChannels => _inChannels;

    /// <summary>Output channels.</summary>
    public int OutChannels => _outChannels;

    /// <summary>Computes <paramref name="frames"/> frames: offset bytes [frames, in] to offset bytes [frames, out].</summary>
    /// <exception cref="PlatformNotSupportedException">The CPU lacks the instructions (<see cref="IsSupported"/>).</exception>
    /// <exception cref="ArgumentException">A span is shorter than <paramref name="frames"/> frames.</exception>
    public void Run(ReadOnlySpan<byte> input, Span<byte> output, int frames)
    {
        if (!IsSupported) throw new PlatformNotSupportedException("the int8 1×1 convolution needs AVX-VNNI and AVX-512 F");
        if (input.Length < frames * _inChannels || output.Length < frames * _outChannels)
            throw new ArgumentException($"{frames} frames need {frames * _inChannels} inputs and {frames * _outChannels} outputs");
        fixed (byte* x = input)
        fixed (byte* y = output)
        fixed (sbyte* w = _packed)
        {
            for (var block = 0; block < _outChannels / Lanes; block++)
            {
                var weights = w + block * Lanes * _inChannels;
                var stage = new OutputStage(this, block);
                var outputs = y + block * Lanes;
                var t = 0;
                for (; t + Frames <= frames; t += Frames) FiveFrames(x + t * _inChannels, _inChannels, weights, outputs + t * _outChannels, _outChannels, stage);
                for (; t < frames; t++) OneFrame(x + t * _inChannels, _inChannels, weights, outputs + t * _outChannels, stage);
            }
        }
    }

    /// <summary>
    /// Five frames × 16 output channels, 10 accumulators. .NET 10's JIT keeps the accumulator of an AVX-VNNI
    /// <c>vpdpbusd</c> in the 16 registers its VEX form can name (it moves it there and back otherwise: measured slower at
    /// 6 frames), so 10 accumulators, 2 weight registers and the broadcast input are what fits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FiveFrames(byte* x, nint n, sbyte* w, byte* y, nint m, in OutputStage stage)
    {
        var z = Vector256<int>.Zero;
        Vector256<int> a0 = z, b0 = z, a1 = z, b1 = z, a2 = z, b2 = z, a3 = z, b3 = z, a4 = z, b4 = z;
        var end = x + n;
        for (; x < end; x += 4, w += 4 * Lanes)
        {
            var low = Vector256.Load(w);
            var high = Vector256.Load(w + 32);
            var v = Vector256.Create(*(uint*)x).AsByte();
            a0 = AvxVnni.MultiplyWideningAndAdd(a0, v, low); b0 = AvxVnni.MultiplyWideningAndAdd(b0, v, high);
            v = Vector256.Create(*(uint*)(x + n)).AsByte();
            a1 = AvxVnni.MultiplyWideningAndAdd(a1, v, low); b1 = AvxVnni.MultiplyWideningAndAdd(b1, v, high);
            v = Vector256.Create(*(uint*)(x + 2 * n)).AsByte();
            a2 = AvxVnni.MultiplyWideningAndAdd(a2, v, low); b2 = AvxVnni.MultiplyWideningAndAdd(b2, v, high);
            v = Vector256.Create(*(uint*)(x + 3 * n)).AsByte();
            a3 = AvxVnni.MultiplyWideningAndAdd(a3, v, low); b3 = AvxVnni.MultiplyWideningAndAdd(b3, v, high);
            v = Vector256.Create(*(uint*)(x + 4 * n)).AsByte();
            a4 = AvxVnni.MultiplyWideningAndAdd(a4, v, low); b4 = AvxVnni.MultiplyWideningAndAdd(b4, v, high);
        }
        stage.Write(a0, b0, y); stage.Write(a1, b1, y + m); stage.Write(a2, b2, y + 2 * m);
        stage.Write(a3, b3, y + 3 * m); stage.Write(a4, b4, y + 4 * m);
    }

    private static void OneFrame(byte* x, int n, sbyte* w, byte* y, in OutputStage stage)
    {
        var a = Vector256<int>.Zero;
        var b = a;
        for (var q = 0; q < n; q += 4)
        {
            var v = Vector256.Create(*(uint*)(x + q)).AsByte();
            a = AvxVnni.MultiplyWideningAndAdd(a, v, Vector256.Load(w + q * Lanes));
            b = AvxVnni.MultiplyWideningAndAdd(b, v, Vector256.Load(w + q * Lanes + 32));
        }
        stage.Write(a, b, y);
    }

    /// <summary>The requantisation constants of one block of 16 output channels, loaded once per block.</summary>
    private readonly struct OutputStage
    {
        private readonly Vector512<int> _bias, _left, _significandEven, _significandOdd, _zeroPoint;
        private readonly Vector512<long> _roundingEven, _roundingOdd;
        private readonly Vector512<ulong> _shiftEven, _shiftOdd;
        private readonly bool _leftShifts;

        public OutputStage(PointwiseConvolution layer, int block)
        {
            var at = block * Lanes;
            _bias = Vector512.Load(Pin(layer._bias) + at);
            _left = Vector512.Load(Pin(layer._leftShift) + at);
            _leftShifts = layer._leftShifts;
            _significandEven = Vector512.Load(Pin(layer._significandEven) + at);
            _significandOdd = Vector512.Load(Pin(layer._significandOdd) + at);
            _roundingEven = Vector512.Load(Pin(layer._roundingEven) + at / 2);
            _roundingOdd = Vector512.Load(Pin(layer._roundingOdd) + at / 2);
            _shiftEven = Vector512.Load(Pin(layer._shiftEven) + at / 2);
            _shiftOdd = Vector512.Load(Pin(layer._shiftOdd) + at / 2);
            _zeroPoint = Vector512.Create(layer._outZeroPoint);
        }

        /// <summary>16 accumulators to 16 offset bytes (see the class's remarks for the arithmetic).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Write(Vector256<int> low, Vector256<int> high, byte* y)
        {
            var x = Vector512.Create(low, high) + _bias;
            if (_leftShifts) x = Avx512F.ShiftLeftLogicalVariable(x, _left.AsUInt32());
            var even = Avx512F.ShiftRightArithmeticVariable(Avx512F.Multiply(x, _significandEven) + _roundingEven, _shiftEven);
            var odd = Avx512F.Multiply(Avx512F.ShiftRightLogical(x.AsInt64(), 32).AsInt32(), _significandOdd) + _roundingOdd;
            odd = Avx512F.ShiftRightArithmeticVariable(odd, _shiftOdd);
            var joined = Vector512.ConditionalSelect(Vector512.Create(0xFFFFFFFFL), even, Avx512F.ShiftLeftLogical(odd, 32)).AsInt32();
            var bytes = Avx512F.ConvertToVector128SByteWithSaturation(joined + _zeroPoint).AsByte();
            (bytes ^ Vector128.Create((byte)0x80)).Store(y);
        }
    }

    /// <summary>The address of a pinned array (every array here is allocated pinned, on the pinned object heap).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T* Pin<T>(T[] array) where T : unmanaged => (T*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));

    private static T[] Pinned<T>(int length) where T : unmanaged => GC.AllocateArray<T>(length, pinned: true);
}
