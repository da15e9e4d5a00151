using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Dipper.Basecaller.Signal;

/// <summary>
/// svb16, the inner layer of POD5's VBZ: ⌈n/8⌉ key bytes (bit set = the value takes two data bytes,
/// least significant bit first), then the data bytes, little endian; each value is a zigzag-encoded
/// difference from the previous sample, summed from 0 in 16-bit arithmetic.
/// </summary>
/// <remarks>
/// Decoding runs eight samples per key byte. With SSSE3 (x86) or AdvSIMD (the appliance's ARM64) one
/// table lookup per key byte gathers the eight values into 16-bit lanes, and zigzag and the running
/// sum are done on the vector; elsewhere, and for the last few samples, a scalar loop does the same.
/// Both are checked against each other by the tests.
/// </remarks>
internal static class Pod5Svb16
{
    /// <summary>Per key byte: where each of the eight values' bytes sit in the next 16 data bytes (0x80 = zero).</summary>
    private static readonly byte[] Gather = BuildGather();
    private static readonly byte[] GroupLength = BuildGroupLength();

    /// <summary>Whether this CPU runs the vector path.</summary>
    public static bool IsVectorised => Ssse3.IsSupported || AdvSimd.Arm64.IsSupported;

    /// <summary>Decodes exactly <c>destination.Length</c> samples.</summary>
    /// <exception cref="InvalidDataException">The stream's length or unused key bits do not match the sample count.</exception>
    public static void Decode(ReadOnlySpan<byte> encoded, Span<short> destination) => Decode(encoded, destination, IsVectorised);

    /// <summary>Decodes with the vector path on or off (tests compare the two).</summary>
    internal static void Decode(ReadOnlySpan<byte> encoded, Span<short> destination, bool vectorised)
    {
        var count = destination.Length;
        if (count == 0)
        {
            if (encoded.Length != 0) throw new InvalidDataException($"{encoded.Length} bytes of signal for a row of 0 samples");
            return;
        }
        var keyLength = (count + 7) >> 3;
        if (encoded.Length < keyLength) throw new InvalidDataException($"svb16 stream of {encoded.Length} bytes is shorter than its {keyLength} key bytes");
        var keys = encoded[..keyLength];
        var tailBits = count & 7;
        if (tailBits != 0 && keys[^1] >> tailBits != 0) throw new InvalidDataException("svb16 key bits set beyond the last sample");

        // Every sample takes one data byte plus one more when its key bit is set, so the exact length is
        // known before decoding; checking it up front lets the loops run without bounds checks.
        var data = encoded[keyLength..];
        long expected = count + CountSetBits(keys);
        if (data.Length != expected)
            throw new InvalidDataException($"svb16 data holds {data.Length} bytes, {expected} expected for {count} samples");

        var group = 0;
        nint at = 0;
        var previous = 0;
        if (vectorised && IsVectorised) DecodeVector(keys, data, destination, ref group, ref at, ref previous);
        DecodeScalar(keys, data, destination, group, at, previous);
    }

    /// <summary>
    /// Whole groups of eight while sixteen data bytes remain to load. The running sum is a 16-bit prefix
    /// sum within the vector (three shifted adds) plus the previous group's last sample.
    /// </summary>
    private static void DecodeVector(ReadOnlySpan<byte> keys, ReadOnlySpan<byte> data, Span<short> destination,
        ref int group, ref nint at, ref int previous)
    {
        ref var dataStart = ref MemoryMarshal.GetReference(data);
        ref var output = ref MemoryMarshal.GetReference(destination);
        ref var gather = ref MemoryMarshal.GetArrayDataReference(Gather);
        ref var groupLength = ref MemoryMarshal.GetArrayDataReference(GroupLength);
        var groups = destination.Length >> 3;
        var carry = Vector128.Create((ushort)previous);
        var one = Vector128<ushort>.One;
        for (; group < groups && at + 16 <= data.Length; group++)
        {
            var key = keys[group];
            var bytes = Vector128.LoadUnsafe(ref dataStart, (nuint)at);
            var mask = Vector128.LoadUnsafe(ref gather, (nuint)(key * 16));
            var values = Lookup(bytes, mask).AsUInt16();
            var deltas = Vector128.ShiftRightLogical(values, 1) ^ (Vector128<ushort>.Zero - (values & one));
            deltas += ShiftLanesUp(deltas, 2, 14);
            deltas += ShiftLanesUp(deltas, 4, 12);
            deltas += ShiftLanesUp(deltas, 8, 8);
            var samples = deltas + carry;
            samples.AsInt16().StoreUnsafe(ref output, (nuint)(group * 8));
            carry = Vector128.Create(samples.GetElement(7));
            at += Unsafe.Add(ref groupLength, key);
        }
        previous = (short)carry.GetElement(0);
    }

    /// <summary>Byte gather: lanes whose index has the high bit set become zero on both instruction sets.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Lookup(Vector128<byte> bytes, Vector128<byte> indices) =>
        Ssse3.IsSupported ? Ssse3.Shuffle(bytes, indices) : AdvSimd.Arm64.VectorTableLookup(bytes, indices);

    /// <summary>
    /// Moves the vector up by <paramref name="bytes"/> bytes (towards the later samples), filling with zero;
    /// <paramref name="armIndex"/> is 16 − bytes, passed separately because both instructions need a constant.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<ushort> ShiftLanesUp(Vector128<ushort> value, [ConstantExpected(Min = 1, Max = 15)] byte bytes,
        [ConstantExpected(Min = 1, Max = 15)] byte armIndex) =>
        Sse2.IsSupported
            ? Sse2.ShiftLeftLogical128BitLane(value, bytes)
            : AdvSimd.ExtractVector128(Vector128<ushort>.Zero.AsByte(), value.AsByte(), armIndex).AsUInt16();

    /// <summary>
    /// The remaining samples, eight per key byte. Loads are always two bytes, masked to one when the key
    /// bit is clear (a branch on noisy signal would be mispredicted half the time); the group holding
    /// the last sample is decoded byte by byte so no load runs past the stream.
    /// </summary>
    private static void DecodeScalar(ReadOnlySpan<byte> keys, ReadOnlySpan<byte> data, Span<short> destination, int group, nint at, int previous)
    {
        ref var dataStart = ref MemoryMarshal.GetReference(data);
        ref var output = ref MemoryMarshal.GetReference(destination);
        var count = destination.Length;
        var wholeGroups = (count - 1) >> 3;
        for (; group < wholeGroups; group++)
        {
            int bits = keys[group];
            ref var groupOutput = ref Unsafe.Add(ref output, group << 3);
            Step(ref dataStart, ref at, bits, ref previous, ref groupOutput);
            Step(ref dataStart, ref at, bits >> 1, ref previous, ref Unsafe.Add(ref groupOutput, 1));
            Step(ref dataStart, ref at, bits >> 2, ref previous, ref Unsafe.Add(ref groupOutput, 2));
            Step(ref dataStart, ref at, bits >> 3, ref previous, ref Unsafe.Add(ref groupOutput, 3));
            Step(ref dataStart, ref at, bits >> 4, ref previous, ref Unsafe.Add(ref groupOutput, 4));
            Step(ref dataStart, ref at, bits >> 5, ref previous, ref Unsafe.Add(ref groupOutput, 5));
            Step(ref dataStart, ref at, bits >> 6, ref previous, ref Unsafe.Add(ref groupOutput, 6));
            Step(ref dataStart, ref at, bits >> 7, ref previous, ref Unsafe.Add(ref groupOutput, 7));
        }
        for (var i = group << 3; i < count; i++)
        {
            int value = Unsafe.Add(ref dataStart, at++);
            if ((keys[i >> 3] >> (i & 7) & 1) != 0) value |= Unsafe.Add(ref dataStart, at++) << 8;
            previous += (value >> 1) ^ -(value & 1);
            Unsafe.Add(ref output, i) = (short)previous;
        }
    }

    /// <summary>
    /// One sample: zigzag, then add to the running value. The running value is an int truncated on
    /// store, which equals 16-bit wrap-around arithmetic (addition commutes with mod 2^16).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step(ref byte data, ref nint at, int keyBits, ref int previous, ref short output)
    {
        var twoBytes = keyBits & 1;
        int value = Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref data, at));
        if (!BitConverter.IsLittleEndian) value = BinaryPrimitives.ReverseEndianness((ushort)value);
        value &= 0xFF | (-twoBytes & 0xFF00);
        at += 1 + twoBytes;
        previous += (value >> 1) ^ -(value & 1);
        output = (short)previous;
    }

    private static long CountSetBits(ReadOnlySpan<byte> keys)
    {
        long total = 0;
        var words = MemoryMarshal.Cast<byte, ulong>(keys);
        foreach (var word in words) total += BitOperations.PopCount(word);
        foreach (var b in keys[(words.Length * 8)..]) total += BitOperations.PopCount(b);
        return total;
    }

    private static byte[] BuildGather()
    {
        var table = new byte[256 * 16];
        for (var key = 0; key < 256; key++)
        {
            var from = 0;
            for (var lane = 0; lane < 8; lane++)
            {
                table[key * 16 + 2 * lane] = (byte)from++;
                table[key * 16 + 2 * lane + 1] = (key >> lane & 1) != 0 ? (byte)from++ : (byte)0x80;
            }
        }
        return table;
    }

    private static byte[] BuildGroupLength()
    {
        var table = new byte[256];
        for (var key = 0; key < 256; key++) table[key] = (byte)(8 + BitOperations.PopCount((uint)key));
        return table;
    }
}
