using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ZstdSharp;

namespace Dipper.Basecaller.Signal;

/// <summary>
/// VBZ as POD5 stores a signal row: one zstd frame over svb16 (a 1-bit-key stream-vbyte for 16-bit
/// values) of zigzag-encoded sample-to-sample differences. Nanopore current moves by a few ADC
/// counts per sample, so most differences fit one byte; zstd then squeezes what is left.
/// </summary>
/// <remarks>
/// One instance per reader: it keeps the zstd context and the decompression buffer between rows,
/// so decoding allocates nothing per row once the buffer has grown to the longest row.
/// Decoding is strict: the decompressed stream must hold exactly the declared number of samples
/// (no byte missing, none left over), because a zstd frame without a checksum is the only other
/// line of defence against a damaged file.
/// </remarks>
internal sealed class Pod5Vbz : IDisposable
{
    private readonly Decompressor _zstd = new();
    private byte[] _buffer = [];

    /// <summary>Bytes svb16 needs at most for <paramref name="sampleCount"/> samples: the key bits plus two bytes each.</summary>
    public static long MaxEncodedLength(long sampleCount) => (sampleCount + 7) / 8 + 2 * sampleCount;

    /// <summary>Decompresses and decodes one row into <paramref name="destination"/>, whose length is the row's declared sample count.</summary>
    /// <exception cref="InvalidDataException">The row does not decode to exactly that many samples.</exception>
    public void Decode(ReadOnlySpan<byte> compressed, Span<short> destination)
    {
        var capacity = MaxEncodedLength(destination.Length);
        if (capacity > Array.MaxLength) throw new InvalidDataException($"row declares {destination.Length} samples, more than a row can hold");
        if (_buffer.Length < capacity) _buffer = GC.AllocateUninitializedArray<byte>((int)capacity);

        int size;
        try
        {
            size = _zstd.Unwrap(compressed, _buffer.AsSpan(0, (int)capacity));
        }
        catch (ZstdException e)
        {
            // Also raised when the frame holds more bytes than the declared count allows.
            throw new InvalidDataException($"zstd frame does not decompress: {e.Message}", e);
        }
        DecodeSvb16(_buffer.AsSpan(0, size), destination);
    }

    /// <summary>
    /// Decodes an svb16 stream of exactly <c>destination.Length</c> zigzag-delta values: ⌈n/8⌉ key bytes
    /// (bit set = two data bytes, least significant bit first), then the data bytes, little endian.
    /// </summary>
    /// <exception cref="InvalidDataException">The stream's length or unused key bits do not match the sample count.</exception>
    public static void DecodeSvb16(ReadOnlySpan<byte> encoded, Span<short> destination)
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

        // Every sample takes one data byte plus one more when its key bit is set, so the exact
        // length is known before decoding; checking it up front lets the loop run without bounds checks.
        long expected = count + CountSetBits(keys);
        if (encoded.Length - keyLength != expected)
            throw new InvalidDataException($"svb16 data holds {encoded.Length - keyLength} bytes, {expected} expected for {count} samples");

        ref var data = ref Unsafe.Add(ref MemoryMarshal.GetReference(encoded), keyLength);
        ref var output = ref MemoryMarshal.GetReference(destination);
        nint at = 0;
        var previous = 0;
        // Whole key bytes first, eight samples each, except the group holding the last sample: there a
        // two-byte load could run one byte past the stream. Loads are always two bytes, masked to one
        // when the key bit is clear, which avoids a branch the predictor cannot learn on noisy signal.
        var groups = (count - 1) >> 3;
        for (var group = 0; group < groups; group++)
        {
            int bits = keys[group];
            ref var groupOutput = ref Unsafe.Add(ref output, group << 3);
            Step(ref data, ref at, bits, ref previous, ref groupOutput);
            Step(ref data, ref at, bits >> 1, ref previous, ref Unsafe.Add(ref groupOutput, 1));
            Step(ref data, ref at, bits >> 2, ref previous, ref Unsafe.Add(ref groupOutput, 2));
            Step(ref data, ref at, bits >> 3, ref previous, ref Unsafe.Add(ref groupOutput, 3));
            Step(ref data, ref at, bits >> 4, ref previous, ref Unsafe.Add(ref groupOutput, 4));
            Step(ref data, ref at, bits >> 5, ref previous, ref Unsafe.Add(ref groupOutput, 5));
            Step(ref data, ref at, bits >> 6, ref previous, ref Unsafe.Add(ref groupOutput, 6));
            Step(ref data, ref at, bits >> 7, ref previous, ref Unsafe.Add(ref groupOutput, 7));
        }
        for (var i = groups << 3; i < count; i++)
        {
            int value = Unsafe.Add(ref data, at++);
            if ((keys[i >> 3] >> (i & 7) & 1) != 0) value |= Unsafe.Add(ref data, at++) << 8;
            previous += (value >> 1) ^ -(value & 1);
            Unsafe.Add(ref output, i) = (short)previous;
        }
    }

    /// <summary>
    /// Decodes one sample: zigzag, then add to the running value. The running value is an int that is
    /// truncated on store, which is the same as 16-bit wrap-around arithmetic (addition commutes with mod 2^16).
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

    /// <inheritdoc />
    public void Dispose() => _zstd.Dispose();
}
