using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Dipper.Basecaller.Signal;

/// <summary>
/// Turns one decompressed BLOW5 record into a <see cref="Read"/>. Layout, little-endian: uint16 id
/// length, id, uint32 read group, doubles digitisation, offset, range, sampling rate, uint64
/// len_raw_signal, the signal, then the auxiliary columns the header declares (scalars at their
/// size, arrays and <c>char*</c> as a uint64 element count then the elements, enums as uint8).
/// With uncompressed signal len_raw_signal counts samples; with svb-zd or ex-zd it counts the
/// signal's bytes, and the sample count sits inside the compressed signal.
/// </summary>
/// <remarks>
/// The whole layout is walked and checked (every length inside the record, the record used up
/// exactly) before the signal is decoded, and the decoded sample count is checked against the
/// declared one, so a record is either delivered whole or reported.
/// </remarks>
internal sealed class Blow5RecordDecoder(Slow5Header header, Blow5SignalCompression signalCompression, string path)
{
    /// <summary>Id of the record last given to <see cref="Decode"/>, once it was readable; for error reports.</summary>
    public string? ReadId { get; private set; }

    /// <summary>
    /// Decompresses and decodes a stored record; throws <see cref="InvalidDataException"/> (or the
    /// codec's exception) describing what does not add up.
    /// </summary>
    public Read Decode(Blow5RecordDecompressor decompressor, ArraySegment<byte> stored)
    {
        ReadId = null;
        return DecodeRecord(decompressor.Decompress(stored.Array!, stored.Count));
    }

    private Read DecodeRecord(ReadOnlySpan<byte> record)
    {
        var cursor = new Cursor(record);
        var idBytes = cursor.Take(cursor.UInt16(), "read id");
        if (idBytes.IsEmpty || idBytes.ContainsAnyInRange((byte)0, (byte)' ') || idBytes.Contains((byte)0x7F))
            throw new InvalidDataException("read id is empty or holds control characters");
        var readId = Encoding.UTF8.GetString(idBytes);
        ReadId = readId;

        var readGroup = cursor.UInt32();
        if (readGroup >= header.ReadGroups.Count)
            throw new InvalidDataException($"read group {readGroup} but the header has {header.ReadGroups.Count}");
        var digitisation = cursor.Double();
        var offset = cursor.Double();
        var range = cursor.Double();
        var samplingRate = cursor.Double();
        var declaredLength = cursor.UInt64();
        var signalBytes = signalCompression == Blow5SignalCompression.None
            ? cursor.Take(declaredLength, 2, "raw signal")
            : cursor.Take(declaredLength, 1, "compressed signal");

        var details = ReadAuxiliary(ref cursor);
        if (cursor.Remaining != 0)
            throw new InvalidDataException($"{cursor.Remaining} unexplained bytes at the end of the record");

        var signal = DecodeSignal(signalBytes, declaredLength);
        return header.CreateRead(readId, readGroup, digitisation, offset, range, samplingRate, signal, details, path);
    }

    private short[] DecodeSignal(ReadOnlySpan<byte> bytes, ulong declaredLength)
    {
        switch (signalCompression)
        {
            case Blow5SignalCompression.None:
            {
                var samples = GC.AllocateUninitializedArray<short>((int)declaredLength);
                var source = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, short>(bytes);
                if (BitConverter.IsLittleEndian) source.CopyTo(samples);
                else BinaryPrimitives.ReverseEndianness(source, samples);
                return samples;
            }
            case Blow5SignalCompression.SvbZd:
            {
                var samples = GC.AllocateUninitializedArray<short>(SvbZdDecoder.ReadSampleCount(bytes));
                SvbZdDecoder.Decode(bytes, samples);
                return samples;
            }
            default:
            {
                var samples = GC.AllocateUninitializedArray<short>(ExZdDecoder.ReadSampleCount(bytes));
                ExZdDecoder.Decode(bytes, samples);
                return samples;
            }
        }
    }

    /// <summary>Walks every auxiliary column (so the record's length is checked) and keeps the ones Dipper reports.</summary>
    private Slow5ReadDetails ReadAuxiliary(ref Cursor cursor)
    {
        var channel = 0;
        long readNumber = 0;
        ulong startSample = 0;
        var columns = header.Columns;
        for (var i = Slow5Header.FirstAuxiliaryColumn; i < columns.Count; i++)
        {
            var column = columns[i];
            var value = column.IsArray
                ? cursor.Take(cursor.UInt64(), column.ElementSize, column.Name)
                : cursor.Take((ulong)column.ElementSize, column.Name);
            if (i == header.ChannelColumn) channel = (int)Math.Clamp(ToInteger(column, value) ?? 0, 0, int.MaxValue);
            else if (i == header.ReadNumberColumn) readNumber = ToInteger(column, value) ?? 0;
            else if (i == header.StartTimeColumn) startSample = (ulong)Math.Max(0, ToInteger(column, value) ?? 0);
        }
        return new Slow5ReadDetails(channel, readNumber, startSample);
    }

    /// <summary>
    /// An integer column's value, or null when it is missing (slow5lib writes the type's maximum,
    /// or an empty string) or not an integer. <c>channel_number</c> is text in SLOW5.
    /// </summary>
    private static long? ToInteger(Slow5Column column, ReadOnlySpan<byte> value)
    {
        if (column.IsArray)
        {
            return column.Kind == Slow5ValueKind.Char &&
                   long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed : null;
        }
        return column.Kind switch
        {
            Slow5ValueKind.Int8 => (sbyte)value[0] is var v && v != sbyte.MaxValue ? v : null,
            Slow5ValueKind.UInt8 => value[0] is var v && v != byte.MaxValue ? v : null,
            Slow5ValueKind.Int16 => BinaryPrimitives.ReadInt16LittleEndian(value) is var v && v != short.MaxValue ? v : null,
            Slow5ValueKind.UInt16 => BinaryPrimitives.ReadUInt16LittleEndian(value) is var v && v != ushort.MaxValue ? v : null,
            Slow5ValueKind.Int32 => BinaryPrimitives.ReadInt32LittleEndian(value) is var v && v != int.MaxValue ? v : null,
            Slow5ValueKind.UInt32 => BinaryPrimitives.ReadUInt32LittleEndian(value) is var v && v != uint.MaxValue ? v : null,
            Slow5ValueKind.Int64 => BinaryPrimitives.ReadInt64LittleEndian(value) is var v && v != long.MaxValue ? v : null,
            Slow5ValueKind.UInt64 => BinaryPrimitives.ReadUInt64LittleEndian(value) is var v && v <= long.MaxValue ? (long)v : null,
            _ => null,
        };
    }

    /// <summary>Reads a record front to back, refusing any length that would run past its end.</summary>
    private ref struct Cursor(ReadOnlySpan<byte> record)
    {
        private readonly ReadOnlySpan<byte> record = record;
        private int position;

        public readonly int Remaining => record.Length - position;

        public ReadOnlySpan<byte> Take(ulong count, int elementSize, string what)
        {
            if (count > (ulong)Remaining / (ulong)elementSize)
                throw new InvalidDataException($"{what} of {count} × {elementSize} bytes runs past the record's end ({Remaining} bytes left)");
            return Take(count * (ulong)elementSize, what);
        }

        public ReadOnlySpan<byte> Take(ulong length, string what)
        {
            if (length > (ulong)Remaining)
                throw new InvalidDataException($"{what} of {length} bytes runs past the record's end ({Remaining} bytes left)");
            var slice = record.Slice(position, (int)length);
            position += (int)length;
            return slice;
        }

        public ushort UInt16() => BinaryPrimitives.ReadUInt16LittleEndian(Take(2, "uint16 field"));
        public uint UInt32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4, "uint32 field"));
        public ulong UInt64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8, "uint64 field"));
        public double Double() => BinaryPrimitives.ReadDoubleLittleEndian(Take(8, "double field"));
    }
}
