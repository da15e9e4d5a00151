using System.Buffers.Binary;

namespace Dipper.Basecaller.Signal;

/// <summary>Where one Arrow IPC message lies in its table: metadata (with its length prefix), then body.</summary>
internal readonly record struct Pod5ArrowMessage(long Offset, int MetadataLength, long BodyLength, byte HeaderType)
{
    public const byte Schema = 1;
    public const byte DictionaryBatch = 2;
    public const byte RecordBatch = 3;

    /// <summary>First byte after the message.</summary>
    public long End => Offset + MetadataLength + BodyLength;
}

/// <summary>A record or dictionary batch as the Arrow footer lists it.</summary>
internal readonly record struct Pod5ArrowBlock(long Offset, int MetadataLength, long BodyLength);

/// <summary>
/// Checks Arrow's own FlatBuffers (file footer, message headers) before Apache.Arrow parses them.
/// Arrow trusts them: a damaged vector count in a schema made it allocate gigabytes, and a cyclic
/// offset would recurse without end. Every vector here is checked against its buffer, nesting is
/// limited, every buffer must lie in its message body and every length is bounded by the body's
/// size, so whatever passes can at worst make Arrow throw.
/// </summary>
/// <remarks>Field numbers follow Arrow's Schema.fbs, Message.fbs and File.fbs.</remarks>
internal static class Pod5ArrowCheck
{
    private const int MaxNesting = 32;
    /// <summary>Message headers are a few kilobytes even for wide schemas.</summary>
    private const int MaxMetadataLength = 16 << 20;

    /// <summary>Reads and checks the message at <paramref name="offset"/>; null at the end-of-stream mark.</summary>
    /// <exception cref="InvalidDataException">The message is cut off or its header is damaged.</exception>
    public static Pod5ArrowMessage? ReadMessage(Stream table, long offset, long limit)
    {
        Span<byte> prefix = stackalloc byte[8];
        if (Read(table, offset, prefix) < prefix.Length) throw new InvalidDataException($"Arrow message at {offset} cut off");
        // Every message starts 0xFFFFFFFF, then the header length. (Pre-1.0 Arrow wrote the length alone;
        // POD5 never did, and accepting it would let any small number pass for a message.)
        if (BinaryPrimitives.ReadInt32LittleEndian(prefix) != -1) throw new InvalidDataException($"no Arrow message at {offset}");
        const int prefixLength = 8;
        var length = BinaryPrimitives.ReadInt32LittleEndian(prefix[4..]);
        if (length == 0) return null;
        if (length < 0 || length > MaxMetadataLength || offset + prefixLength + length > limit)
            throw new InvalidDataException($"Arrow message at {offset} declares {length} bytes of header, beyond its table");
        var metadata = new byte[length];
        if (Read(table, offset + prefixLength, metadata) < length) throw new InvalidDataException($"Arrow message at {offset} cut off");
        var (body, headerType) = CheckMessage(metadata);
        if (body < 0 || offset + prefixLength + length + body > limit)
            throw new InvalidDataException($"Arrow message at {offset} declares a {body}-byte body, beyond its table");
        return new Pod5ArrowMessage(offset, prefixLength + length, body, headerType);
    }

    /// <summary>Checks an Arrow file footer and returns its dictionary and record-batch blocks.</summary>
    public static (Pod5ArrowBlock[] Dictionaries, Pod5ArrowBlock[] RecordBatches) CheckFooter(ReadOnlySpan<byte> footer)
    {
        var buffer = new Pod5FlatBuffer(footer);
        var root = buffer.Root;
        if (buffer.TableField(root, 1) is not { } schema) throw new InvalidDataException("Arrow footer has no schema");
        CheckSchema(buffer, schema, footer.Length);
        CheckKeyValues(buffer, root, 4);
        return (Blocks(buffer, root, 2), Blocks(buffer, root, 3));
    }

    private static Pod5ArrowBlock[] Blocks(Pod5FlatBuffer buffer, int footer, int field)
    {
        var (start, count) = buffer.Vector(footer, field, 24);
        var blocks = new Pod5ArrowBlock[count];
        for (var i = 0; i < count; i++)
        {
            var at = start + 24 * i;
            blocks[i] = new Pod5ArrowBlock(buffer.Int64(at), buffer.Int32(at + 8), buffer.Int64(at + 16));
        }
        return blocks;
    }

    private static (long BodyLength, byte HeaderType) CheckMessage(ReadOnlySpan<byte> metadata)
    {
        var buffer = new Pod5FlatBuffer(metadata);
        var message = buffer.Root;
        var headerType = buffer.ByteField(message, 1);
        var header = buffer.TableField(message, 2) ?? throw new InvalidDataException("Arrow message has no header");
        var body = buffer.Int64Field(message, 3);
        if (body < 0) throw new InvalidDataException($"Arrow message declares a body of {body} bytes");
        switch (headerType)
        {
            case Pod5ArrowMessage.Schema:
                CheckSchema(buffer, header, metadata.Length);
                break;
            case Pod5ArrowMessage.DictionaryBatch:
                CheckRecordBatch(buffer, buffer.TableField(header, 1) ?? throw new InvalidDataException("Arrow dictionary batch has no data"), body);
                break;
            case Pod5ArrowMessage.RecordBatch:
                CheckRecordBatch(buffer, header, body);
                break;
            default:
                throw new InvalidDataException($"Arrow message of type {headerType} does not belong in a table");
        }
        CheckKeyValues(buffer, message, 4);
        return (body, headerType);
    }

    private static void CheckRecordBatch(Pod5FlatBuffer buffer, int batch, long body)
    {
        // Every array type POD5 uses needs at least a bit per element, so a length beyond eight per body byte is damage.
        var maxLength = Math.Min(int.MaxValue, 8 * body + 64);
        var rows = buffer.Int64Field(batch, 0);
        if (rows < 0 || rows > maxLength) throw new InvalidDataException($"Arrow record batch of {rows} rows in a {body}-byte body");
        var (nodes, nodeCount) = buffer.Vector(batch, 1, 16);
        for (var i = 0; i < nodeCount; i++)
        {
            var length = buffer.Int64(nodes + 16 * i);
            var nulls = buffer.Int64(nodes + 16 * i + 8);
            if (length < 0 || length > maxLength || nulls < 0 || nulls > length)
                throw new InvalidDataException($"Arrow array of {length} values ({nulls} null) in a {body}-byte body");
        }
        var (buffers, bufferCount) = buffer.Vector(batch, 2, 16);
        for (var i = 0; i < bufferCount; i++)
        {
            var offset = buffer.Int64(buffers + 16 * i);
            var length = buffer.Int64(buffers + 16 * i + 8);
            if (offset < 0 || length < 0 || length > body - offset)
                throw new InvalidDataException($"Arrow buffer at {offset}+{length} outside a {body}-byte body");
        }
        buffer.TableField(batch, 3);
        buffer.Vector(batch, 4, 8);
    }

    private static void CheckSchema(Pod5FlatBuffer buffer, int schema, int bufferLength)
    {
        // Each field takes at least a four-byte offset, so more visits than that means shared or cyclic offsets.
        var budget = bufferLength / 4;
        var (fields, count) = buffer.Vector(schema, 1, 4);
        for (var i = 0; i < count; i++) CheckField(buffer, buffer.TableAt(fields, i), 0, ref budget);
        CheckKeyValues(buffer, schema, 2);
        buffer.Vector(schema, 3, 8);
    }

    private static void CheckField(Pod5FlatBuffer buffer, int field, int depth, ref int budget)
    {
        if (depth > MaxNesting || --budget < 0) throw new InvalidDataException("Arrow schema nested too deep, or cyclic");
        buffer.String(field, 0);
        if (buffer.TableField(field, 3) is { } type)
        {
            const byte timestamp = 10, union = 14;
            switch (buffer.ByteField(field, 2))
            {
                case timestamp: buffer.String(type, 1); break;
                case union: buffer.Vector(type, 1, 4); break;
            }
        }
        if (buffer.TableField(field, 4) is { } dictionary) buffer.TableField(dictionary, 1);
        var (children, count) = buffer.Vector(field, 5, 4);
        for (var i = 0; i < count; i++) CheckField(buffer, buffer.TableAt(children, i), depth + 1, ref budget);
        CheckKeyValues(buffer, field, 6);
    }

    private static void CheckKeyValues(Pod5FlatBuffer buffer, int table, int field)
    {
        var (pairs, count) = buffer.Vector(table, field, 4);
        for (var i = 0; i < count; i++)
        {
            var pair = buffer.TableAt(pairs, i);
            buffer.String(pair, 0);
            buffer.String(pair, 1);
        }
    }

    private static int Read(Stream table, long offset, Span<byte> destination)
    {
        table.Position = offset;
        return table.ReadAtLeast(destination, destination.Length, throwOnEndOfStream: false);
    }
}
