using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Dipper.Basecaller.Signal;

/// <summary>
/// Decodes BLOW5's svb-zd signal compression: a uint32 sample count, then classic 32-bit streamvbyte
/// (⌈n/4⌉ key bytes holding a 2-bit byte length per value, then 1 to 4 little-endian bytes per value)
/// of the zigzag-encoded differences between consecutive samples, the first taken from 0.
/// </summary>
/// <remarks>
/// Every length is checked against the blob before anything is written, and the blob must be used up
/// exactly, so a corrupted key or count is reported instead of yielding a shifted, plausible-looking
/// trace. Samples that leave the int16 range also count as corruption: the original signal was int16.
/// </remarks>
internal static class SvbZdDecoder
{
    /// <summary>
    /// The number of samples the blob declares, checked against the smallest size that many samples
    /// can take, so a corrupted count can never drive a huge allocation.
    /// </summary>
    public static int ReadSampleCount(ReadOnlySpan<byte> blob)
    {
        if (blob.Length < 4) throw new InvalidDataException($"svb-zd signal of {blob.Length} bytes is shorter than its 4-byte sample count");
        var count = BinaryPrimitives.ReadUInt32LittleEndian(blob);
        // Each sample needs at least one data byte plus a quarter key byte.
        var minimum = (ulong)count + (count + 3UL) / 4;
        if (minimum > (ulong)(blob.Length - 4))
            throw new InvalidDataException($"svb-zd signal declares {count} samples but has only {blob.Length - 4} bytes for them");
        return (int)count;
    }

    /// <summary>Decodes the whole blob into <paramref name="samples"/>, whose length must be the declared count.</summary>
    public static void Decode(ReadOnlySpan<byte> blob, Span<short> samples)
    {
        var count = ReadSampleCount(blob);
        if (samples.Length != count) throw new ArgumentException("sample buffer does not match the declared count", nameof(samples));
        var keyLength = (count + 3) / 4;
        var keys = blob.Slice(4, keyLength);
        var data = blob[(4 + keyLength)..];
        var used = DecodeZigzagDelta(keys, data, samples);
        if (used != data.Length)
            throw new InvalidDataException($"svb-zd signal has {data.Length - used} bytes left over after its {count} samples");
    }

    /// <summary>
    /// Streamvbyte-decodes <paramref name="samples"/>.Length values, undoes zigzag and delta coding,
    /// and returns how many data bytes were used. Throws when the data runs out or a sample leaves int16.
    /// </summary>
    private static int DecodeZigzagDelta(ReadOnlySpan<byte> keys, ReadOnlySpan<byte> data, Span<short> samples)
    {
        var count = samples.Length;
        ref var dataStart = ref MemoryMarshal.GetReference(data);
        ref var output = ref MemoryMarshal.GetReference(samples);
        var position = 0;
        var previous = 0;
        var outOfRange = 0;
        var index = 0;

        // Fast path: whole groups of four while 16 bytes can be loaded without passing the end.
        var wholeGroups = count / 4;
        var group = 0;
        for (; group < wholeGroups && position + 16 <= data.Length; group++)
        {
            uint key = keys[group];
            previous += ZigzagValue(ref dataStart, ref position, key & 3);
            outOfRange |= previous + 32768;
            Unsafe.Add(ref output, index) = (short)previous;
            previous += ZigzagValue(ref dataStart, ref position, (key >> 2) & 3);
            outOfRange |= previous + 32768;
            Unsafe.Add(ref output, index + 1) = (short)previous;
            previous += ZigzagValue(ref dataStart, ref position, (key >> 4) & 3);
            outOfRange |= previous + 32768;
            Unsafe.Add(ref output, index + 2) = (short)previous;
            previous += ZigzagValue(ref dataStart, ref position, key >> 6);
            outOfRange |= previous + 32768;
            Unsafe.Add(ref output, index + 3) = (short)previous;
            index += 4;
        }

        // Careful path for the last groups: check each value's bytes before reading them.
        for (; index < count; index++)
        {
            var code = (keys[index >> 2] >> ((index & 3) * 2)) & 3;
            var length = code + 1;
            if (position + length > data.Length)
                throw new InvalidDataException($"svb-zd signal data ends at sample {index} of {count}");
            uint value = 0;
            for (var b = 0; b < length; b++) value |= (uint)data[position + b] << (8 * b);
            position += length;
            previous += (int)(value >> 1) ^ -(int)(value & 1);
            outOfRange |= previous + 32768;
            samples[index] = (short)previous;
        }

        // Any sample outside [-32768, 32767] sets a bit at or above bit 16 in (sample + 32768).
        if ((outOfRange & ~0xFFFF) != 0)
            throw new InvalidDataException("svb-zd signal decodes to samples outside the int16 range");
        return position;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ZigzagValue(ref byte data, ref int position, uint code)
    {
        var raw = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref data, position));
        if (!BitConverter.IsLittleEndian) raw = BinaryPrimitives.ReverseEndianness(raw);
        var value = raw & (uint.MaxValue >> (int)(24 - 8 * code));
        position += (int)code + 1;
        return (int)(value >> 1) ^ -(int)(value & 1);
    }

    /// <summary>
    /// Plain streamvbyte of unsigned values (key bytes first, then data), as ex-zd uses for its
    /// exception lists. Returns the bytes used; throws when the blob is too short.
    /// </summary>
    public static int DecodeValues(ReadOnlySpan<byte> blob, Span<uint> values)
    {
        var count = values.Length;
        var keyLength = (count + 3) / 4;
        if (keyLength > blob.Length) throw new InvalidDataException($"streamvbyte list of {count} values is cut short in its keys");
        var position = keyLength;
        for (var index = 0; index < count; index++)
        {
            var length = ((blob[index >> 2] >> ((index & 3) * 2)) & 3) + 1;
            if (position + length > blob.Length) throw new InvalidDataException($"streamvbyte list ends at value {index} of {count}");
            uint value = 0;
            for (var b = 0; b < length; b++) value |= (uint)blob[position + b] << (8 * b);
            position += length;
            values[index] = value;
        }
        return position;
    }
}
