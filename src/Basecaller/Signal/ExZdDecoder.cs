using System.Buffers;
using System.Buffers.Binary;

namespace Dipper.Basecaller.Signal;

/// <summary>
/// Decodes BLOW5's ex-zd signal compression (slow5tools 1.3 and later), an exception coding of the
/// zigzag-encoded sample differences: one byte per difference, with the rare differences that do
/// not fit in a byte ("exceptions") listed separately by position and value.
/// </summary>
/// <remarks>
/// The layout was worked out from slow5tools' own files (the same read in ex-zd and uncompressed),
/// all little-endian:
/// <code>
/// uint8   variant            0
/// uint32  sample count n
/// 5 bytes                    0 (meaning unknown; anything else is refused rather than guessed)
/// uint16  zigzag of sample 0
/// uint32  exception count e  (among samples 1 .. n-1)
/// uint32  byte length, then streamvbyte of e position gaps (position - previous position - 1, starting from 0)
/// uint32  byte length, then streamvbyte of e values (zigzag difference - 256)
/// n-1-e   bytes: the zigzag differences of every other sample, in order
/// </code>
/// Everything must add up exactly, so corruption shows as an error rather than a wrong trace.
/// </remarks>
internal static class ExZdDecoder
{
    private const int FixedHeaderLength = 16;
    private const int ExceptionBase = 256;

    /// <summary>The declared sample count, checked against what the blob can hold.</summary>
    public static int ReadSampleCount(ReadOnlySpan<byte> blob)
    {
        if (blob.Length < 5) throw new InvalidDataException($"ex-zd signal of {blob.Length} bytes is shorter than its header");
        if (blob[0] != 0) throw new InvalidDataException($"ex-zd signal variant {blob[0]} is not supported");
        var count = BinaryPrimitives.ReadUInt32LittleEndian(blob[1..]);
        if (count == 0)
        {
            if (blob.Length != 5) throw new InvalidDataException("ex-zd signal declares no samples but has data");
            return 0;
        }
        // At most one sample per remaining byte (exceptions take at least two bytes each).
        if (blob.Length < FixedHeaderLength || count - 1 > (ulong)(blob.Length - FixedHeaderLength))
            throw new InvalidDataException($"ex-zd signal declares {count} samples but has only {blob.Length} bytes");
        return (int)count;
    }

    /// <summary>Decodes the whole blob into <paramref name="samples"/>, whose length must be the declared count.</summary>
    public static void Decode(ReadOnlySpan<byte> blob, Span<short> samples)
    {
        var count = ReadSampleCount(blob);
        if (samples.Length != count) throw new ArgumentException("sample buffer does not match the declared count", nameof(samples));
        if (count == 0) return;
        if (blob.Slice(5, 5).ContainsAnyExcept((byte)0))
            throw new InvalidDataException("ex-zd signal uses header bytes 5-9, a layout this reader does not know");
        int first = BinaryPrimitives.ReadUInt16LittleEndian(blob[10..]);
        var exceptionCount = BinaryPrimitives.ReadUInt32LittleEndian(blob[12..]);
        if (exceptionCount > (uint)(count - 1))
            throw new InvalidDataException($"ex-zd signal lists {exceptionCount} exceptions among {count - 1} samples");
        var rest = blob[FixedHeaderLength..];
        var plainCount = count - 1 - (int)exceptionCount;

        uint[]? rented = null;
        try
        {
            Span<uint> gaps = [];
            Span<uint> values = [];
            // A read without exceptions may omit both lists.
            if (exceptionCount > 0 || rest.Length != plainCount)
            {
                rented = ArrayPool<uint>.Shared.Rent(2 * (int)exceptionCount);
                gaps = rented.AsSpan(0, (int)exceptionCount);
                values = rented.AsSpan((int)exceptionCount, (int)exceptionCount);
                rest = ReadList(rest, gaps, "positions");
                rest = ReadList(rest, values, "values");
            }
            if (rest.Length != plainCount)
                throw new InvalidDataException($"ex-zd signal has {rest.Length} bytes for {plainCount} one-byte differences");
            Expand(first, gaps, values, rest, samples);
        }
        finally
        {
            if (rented is not null) ArrayPool<uint>.Shared.Return(rented);
        }
    }

    private static ReadOnlySpan<byte> ReadList(ReadOnlySpan<byte> rest, Span<uint> values, string what)
    {
        if (rest.Length < 4) throw new InvalidDataException($"ex-zd signal ends before its exception {what}");
        var length = BinaryPrimitives.ReadUInt32LittleEndian(rest);
        if (length > (uint)(rest.Length - 4)) throw new InvalidDataException($"ex-zd exception {what} claim {length} bytes, more than remain");
        var list = rest.Slice(4, (int)length);
        var used = SvbZdDecoder.DecodeValues(list, values);
        if (used != list.Length) throw new InvalidDataException($"ex-zd exception {what} have {list.Length - used} bytes left over");
        return rest[(4 + (int)length)..];
    }

    /// <summary>Merges the one-byte differences with the exceptions and undoes zigzag and delta coding.</summary>
    private static void Expand(int first, ReadOnlySpan<uint> gaps, ReadOnlySpan<uint> values, ReadOnlySpan<byte> plain,
        Span<short> samples)
    {
        var previous = (first >> 1) ^ -(first & 1);
        var outOfRange = previous + 32768;
        samples[0] = (short)previous;
        var index = 1;
        var plainIndex = 0;
        for (var e = 0; e <= gaps.Length; e++)
        {
            // Samples up to the next exception (or the end) come from the one-byte stream.
            long stop = e < gaps.Length ? (long)index + gaps[e] : samples.Length;
            if (stop >= samples.Length && e < gaps.Length)
                throw new InvalidDataException($"ex-zd exception {e} lies past the read's {samples.Length} samples");
            var runLength = (int)stop - index;
            if (runLength > plain.Length - plainIndex)
                throw new InvalidDataException($"ex-zd exception {e} leaves too few one-byte differences before it");
            var run = plain.Slice(plainIndex, runLength);
            foreach (var z in run)
            {
                previous += (z >> 1) ^ -(z & 1);
                outOfRange |= previous + 32768;
                samples[index++] = (short)previous;
            }
            plainIndex += run.Length;
            if (e == gaps.Length) break;
            var zigzag = (long)values[e] + ExceptionBase;
            if (zigzag > uint.MaxValue) throw new InvalidDataException($"ex-zd exception {e} overflows");
            var difference = (int)((uint)zigzag >> 1) ^ -(int)((uint)zigzag & 1);
            previous += difference;
            outOfRange |= previous + 32768;
            samples[index++] = (short)previous;
        }
        if (index != samples.Length || plainIndex != plain.Length)
            throw new InvalidDataException("ex-zd exceptions and one-byte differences do not add up to the sample count");
        if ((outOfRange & ~0xFFFF) != 0)
            throw new InvalidDataException("ex-zd signal decodes to samples outside the int16 range");
    }
}
