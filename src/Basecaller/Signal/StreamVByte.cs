using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Dipper.Basecaller.Signal;

/// <summary>
/// Classic 32-bit Stream VByte (Lemire, Kurz and Rupp 2017), the integer coding inside VBZ-compressed
/// FAST5 signal and BLOW5's svb-zd: a block of 2-bit keys (one per value, four per byte, least
/// significant pair first, ⌈n/4⌉ bytes) followed by the values themselves, each in 1 to 4
/// little-endian bytes (key + 1). Nanopore signal is stored as zigzag-coded differences between
/// neighbouring int16 samples (computed in 32 bits), which keeps almost every value to one byte.
/// </summary>
/// <remarks>
/// The decoder is strict because its output is delivered as a read: the encoded block must hold
/// exactly the declared number of values and end exactly where the last value ends, and every
/// decoded sample must fit int16 (a correct encoder cannot produce anything else). Corrupt input is
/// reported with <see cref="InvalidDataException"/> rather than decoded into plausible-looking noise.
/// </remarks>
internal static class StreamVByte
{
    /// <summary>The largest encoding of <paramref name="count"/> values, for sizing buffers before decompression.</summary>
    public static long MaxEncodedLength(long count) => (count + 3) / 4 + 4 * count;

    /// <summary>
    /// Decodes zigzag-delta coded values into int16 samples, filling all of <paramref name="samples"/>.
    /// </summary>
    /// <exception cref="InvalidDataException">The block is too short or too long for the sample count, or a sample leaves int16.</exception>
    public static void DecodeZigzagDelta(ReadOnlySpan<byte> encoded, Span<short> samples) =>
        Decode(encoded, samples, zigzagDelta: true);

    /// <summary>Decodes values stored as they are (sign-extended int16 in 32 bits) into samples.</summary>
    /// <exception cref="InvalidDataException">The block does not match the sample count, or a value leaves int16.</exception>
    public static void DecodePlain(ReadOnlySpan<byte> encoded, Span<short> samples) =>
        Decode(encoded, samples, zigzagDelta: false);

    private static void Decode(ReadOnlySpan<byte> encoded, Span<short> samples, bool zigzagDelta)
    {
        var count = samples.Length;
        var keyLength = (count + 3) / 4;
        if (encoded.Length < keyLength)
            throw new InvalidDataException($"stream-vbyte block of {encoded.Length} bytes is shorter than the {keyLength} key bytes {count} values need");
        var keys = encoded[..keyLength];
        var data = encoded[keyLength..];

        ref var dataStart = ref MemoryMarshal.GetReference(data);
        ref var output = ref MemoryMarshal.GetReference(samples);
        var position = 0;
        var previous = 0;
        var index = 0;
        var fastKeys = count / 4;
        var key = 0;

        // Fast path: whole key bytes whose four values (at most 16 bytes) certainly lie inside the block,
        // so each value is one unaligned 4-byte load and a mask, without per-byte bounds checks.
        for (; key < fastKeys && position <= data.Length - 16; key++)
        {
            uint codes = keys[key];
            for (var lane = 0; lane < 4; lane++)
            {
                var code = (int)(codes & 3);
                codes >>= 2;
                var word = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref dataStart, position));
                if (!BitConverter.IsLittleEndian) word = BinaryPrimitives.ReverseEndianness(word);
                var value = word & (uint.MaxValue >> (24 - 8 * code));
                position += code + 1;
                var sample = zigzagDelta ? previous + ((int)(value >> 1) ^ -(int)(value & 1)) : (int)value;
                if ((uint)(sample + 32768) > ushort.MaxValue) throw OutOfRange(index, sample);
                Unsafe.Add(ref output, index++) = (short)sample;
                previous = sample;
            }
        }

        // Tail: the last few values, read byte by byte with full checks.
        for (; index < count; index++)
        {
            var code = (keys[index >> 2] >> (2 * (index & 3))) & 3;
            var length = code + 1;
            if (position > data.Length - length)
                throw new InvalidDataException($"stream-vbyte block ends inside value {index} of {count}");
            uint value = 0;
            for (var b = 0; b < length; b++) value |= (uint)data[position + b] << (8 * b);
            position += length;
            var sample = zigzagDelta ? previous + ((int)(value >> 1) ^ -(int)(value & 1)) : (int)value;
            if ((uint)(sample + 32768) > ushort.MaxValue) throw OutOfRange(index, sample);
            samples[index] = (short)sample;
            previous = sample;
        }

        if (position != data.Length)
            throw new InvalidDataException($"stream-vbyte block has {data.Length - position} bytes left over after {count} values");
        if ((count & 3) != 0 && keys[^1] >> (2 * (count & 3)) != 0)
            throw new InvalidDataException("stream-vbyte key bytes have codes set past the last value");
    }

    private static InvalidDataException OutOfRange(int index, int value) =>
        new($"stream-vbyte value {index} decodes to {value}, outside the int16 range of raw signal");

    /// <summary>
    /// Encodes int16 samples as zigzag-delta stream-vbyte (the inverse of <see cref="DecodeZigzagDelta"/>);
    /// used to write VBZ test files. Returns the number of bytes written.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <see cref="MaxEncodedLength"/>.</exception>
    public static int EncodeZigzagDelta(ReadOnlySpan<short> samples, Span<byte> destination) =>
        Encode(samples, destination, zigzagDelta: true);

    /// <summary>Encodes samples as plain (sign-extended) stream-vbyte. Returns the number of bytes written.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <see cref="MaxEncodedLength"/>.</exception>
    public static int EncodePlain(ReadOnlySpan<short> samples, Span<byte> destination) =>
        Encode(samples, destination, zigzagDelta: false);

    private static int Encode(ReadOnlySpan<short> samples, Span<byte> destination, bool zigzagDelta)
    {
        if (destination.Length < MaxEncodedLength(samples.Length))
            throw new ArgumentException("destination is shorter than the largest possible encoding", nameof(destination));
        var keyLength = (samples.Length + 3) / 4;
        var keys = destination[..keyLength];
        keys.Clear();
        var position = keyLength;
        var previous = 0;
        for (var i = 0; i < samples.Length; i++)
        {
            int sample = samples[i];
            uint value;
            if (zigzagDelta)
            {
                var delta = sample - previous;
                value = (uint)((delta << 1) ^ (delta >> 31));
                previous = sample;
            }
            else
            {
                value = (uint)sample;
            }
            var code = value < 1u << 8 ? 0 : value < 1u << 16 ? 1 : value < 1u << 24 ? 2 : 3;
            keys[i >> 2] |= (byte)(code << (2 * (i & 3)));
            for (var b = 0; b <= code; b++) destination[position++] = (byte)(value >> (8 * b));
        }
        return position;
    }
}
