using System.Buffers.Binary;
using System.Text;

namespace Dipper.Basecaller.Signal;

/// <summary>
/// Read-only access to a FlatBuffer in which every offset, table, string and vector is checked to lie
/// inside the buffer before it is used. POD5 is FlatBuffers twice over (its own footer, and Arrow's
/// footer and message headers), and a damaged file must give a clear error, never an out-of-range
/// read or an allocation sized by a garbage count.
/// </summary>
internal readonly ref struct Pod5FlatBuffer
{
    private readonly ReadOnlySpan<byte> _buffer;

    /// <summary>Wraps a buffer whose first four bytes are the root table's offset.</summary>
    public Pod5FlatBuffer(ReadOnlySpan<byte> buffer) => _buffer = buffer;

    /// <summary>Position of the root table.</summary>
    public int Root => Table(Offset(0));

    /// <summary>Follows the uoffset at <paramref name="position"/> to what it points at.</summary>
    public int Offset(int position)
    {
        var target = (long)position + (uint)Int32(position);
        if (target >= _buffer.Length) throw Damaged($"offset at {position} points past the end");
        return (int)target;
    }

    /// <summary>Checks that <paramref name="position"/> holds a table whose vtable lies in the buffer, and returns it.</summary>
    public int Table(int position)
    {
        var vtable = (long)position - Int32(position);
        if (vtable < 0 || vtable > _buffer.Length - 4) throw Damaged($"vtable of table at {position} lies outside");
        var vtableSize = UInt16((int)vtable);
        if (vtableSize < 4 || vtableSize % 2 != 0 || vtable + vtableSize > _buffer.Length) throw Damaged($"vtable at {vtable} malformed");
        var tableSize = UInt16((int)vtable + 2);
        if ((long)position + tableSize > _buffer.Length) throw Damaged($"table at {position} overruns the buffer");
        return position;
    }

    /// <summary>Absolute position of a field of a table, or null when the writer left it at its default.</summary>
    public int? Field(int table, int field)
    {
        var vtable = table - Int32(table);
        var vtableSize = UInt16(vtable);
        var slot = 4 + 2 * field;
        if (slot + 2 > vtableSize) return null;
        var offset = UInt16(vtable + slot);
        if (offset == 0) return null;
        if (offset >= UInt16(vtable + 2)) throw Damaged($"field {field} of table at {table} lies beyond the table");
        return table + offset;
    }

    /// <summary>The sub-table a field points at, checked; null when absent.</summary>
    public int? TableField(int table, int field) => Field(table, field) is { } at ? Table(Offset(at)) : null;

    /// <summary>A vector field: where its elements start and how many there are, checked against the buffer.</summary>
    public (int Start, int Count) Vector(int table, int field, int elementSize)
    {
        if (Field(table, field) is not { } at) return (0, 0);
        var start = Offset(at);
        var count = Int32(start);
        if (count < 0 || (long)count * elementSize > _buffer.Length - start - 4)
            throw Damaged($"vector of {count} elements at {start} overruns the buffer");
        return (start + 4, count);
    }

    /// <summary>The tables of a vector-of-tables field, each checked.</summary>
    public int TableAt(int vectorStart, int index) => Table(Offset(vectorStart + 4 * index));

    /// <summary>A string field, or null when absent.</summary>
    public string? String(int table, int field)
    {
        var (start, length) = Vector(table, field, 1);
        return Field(table, field) is null ? null : Encoding.UTF8.GetString(_buffer.Slice(start, length));
    }

    /// <summary>A long field, 0 when absent.</summary>
    public long Int64Field(int table, int field) => Field(table, field) is { } at ? Int64(at) : 0;

    /// <summary>A short field, 0 when absent.</summary>
    public short Int16Field(int table, int field) => Field(table, field) is { } at ? (short)UInt16(at) : (short)0;

    /// <summary>A ubyte field (union type tags), 0 when absent.</summary>
    public byte ByteField(int table, int field) => Field(table, field) is { } at ? Slice(at, 1)[0] : (byte)0;

    /// <summary>A little-endian int at <paramref name="position"/>.</summary>
    public int Int32(int position) => BinaryPrimitives.ReadInt32LittleEndian(Slice(position, 4));

    /// <summary>A little-endian long at <paramref name="position"/>.</summary>
    public long Int64(int position) => BinaryPrimitives.ReadInt64LittleEndian(Slice(position, 8));

    private ushort UInt16(int position) => BinaryPrimitives.ReadUInt16LittleEndian(Slice(position, 2));

    private ReadOnlySpan<byte> Slice(int position, int length)
    {
        if (position < 0 || position > _buffer.Length - length) throw Damaged($"value at {position} lies outside the {_buffer.Length}-byte buffer");
        return _buffer.Slice(position, length);
    }

    private static InvalidDataException Damaged(string problem) => new($"FlatBuffer damaged: {problem}");
}
