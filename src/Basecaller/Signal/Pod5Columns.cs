using Apache.Arrow;
using Apache.Arrow.Types;

namespace Dipper.Basecaller.Signal;

/// <summary>
/// Typed access to POD5 columns by name, tolerant of the integer and float widths the schema has
/// used across versions, and of values kept behind dictionary columns. Out-of-range indices and
/// malformed arrays surface as exceptions the reader reports as damage.
/// </summary>
internal static class Pod5Columns
{
    /// <summary>The column of that name, or null when this schema version has none.</summary>
    public static IArrowArray? Column(RecordBatch batch, string name)
    {
        var index = batch.Schema.GetFieldIndex(name);
        return index < 0 ? null : batch.Column(index);
    }

    /// <summary>A field of a struct array (the value type of early POD5 dictionary columns), or null.</summary>
    public static IArrowArray? Field(StructArray array, string name)
    {
        var index = ((StructType)array.Data.DataType).GetFieldIndex(name);
        return index < 0 ? null : array.Fields[index];
    }

    /// <summary>Resolves a dictionary-encoded cell: the dictionary's values and the index of this row's value in them.</summary>
    /// <exception cref="InvalidDataException">The index is null or outside the dictionary.</exception>
    public static (IArrowArray Values, int Index) Dictionary(DictionaryArray array, int row)
    {
        var index = Integer(array.Indices, row) ?? throw new InvalidDataException("dictionary index is null");
        if (index < 0 || index >= array.Dictionary.Length)
            throw new InvalidDataException($"dictionary index {index} outside a dictionary of {array.Dictionary.Length}");
        return (array.Dictionary, (int)index);
    }

    /// <summary>A signed or unsigned integer cell as a long; null when absent or null. uint64 values above long.MaxValue are damage.</summary>
    public static long? Integer(IArrowArray? array, int row) => array switch
    {
        null => null,
        UInt8Array a => a.GetValue(row),
        UInt16Array a => a.GetValue(row),
        UInt32Array a => a.GetValue(row),
        UInt64Array a => a.GetValue(row) is { } v ? checked((long)v) : null,
        Int8Array a => a.GetValue(row),
        Int16Array a => a.GetValue(row),
        Int32Array a => a.GetValue(row),
        Int64Array a => a.GetValue(row),
        _ => throw new InvalidDataException($"expected an integer column, found {array.Data.DataType.Name}"),
    };

    /// <summary>An unsigned 64-bit cell (sample positions), null when absent.</summary>
    public static ulong? Unsigned(IArrowArray? array, int row) => array switch
    {
        UInt64Array a => a.GetValue(row),
        _ => Integer(array, row) is { } v ? checked((ulong)v) : null,
    };

    /// <summary>A floating-point cell; null when absent or null.</summary>
    public static double? Real(IArrowArray? array, int row) => array switch
    {
        null => null,
        FloatArray a => a.GetValue(row),
        DoubleArray a => a.GetValue(row),
        _ => throw new InvalidDataException($"expected a floating-point column, found {array.Data.DataType.Name}"),
    };

    /// <summary>
    /// A timestamp cell (acquisition_start_time: milliseconds since the Unix epoch, UTC); null when absent or null.
    /// POD5 files from before the timestamp type keep the milliseconds in a plain integer column.
    /// </summary>
    public static DateTimeOffset? Time(IArrowArray? array, int row) => array switch
    {
        null => null,
        TimestampArray a => a.GetTimestamp(row),
        _ => Integer(array, row) is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null,
    };

    /// <summary>A text cell; null when absent, null or empty (POD5 writes "" for fields MinKNOW did not know).</summary>
    public static string? Text(IArrowArray? array, int row)
    {
        var text = array switch
        {
            null => null,
            StringArray a => a.GetString(row),
            LargeStringArray a => a.GetString(row),
            _ => throw new InvalidDataException($"expected a text column, found {array.Data.DataType.Name}"),
        };
        return string.IsNullOrEmpty(text) ? null : text;
    }

    /// <summary>
    /// The value under <paramref name="key"/> in a map&lt;string, string&gt; cell (run info's <c>context_tags</c>
    /// and <c>tracking_id</c>); null when the column, the key or the value is absent or empty, or the column
    /// is not a map of strings: these are descriptive tags, so an odd one is not damage.
    /// </summary>
    public static string? MapText(IArrowArray? array, int row, string key)
    {
        if (array is not ListArray { Values: StructArray entries } map || row < 0 || row >= map.Length || map.IsNull(row)) return null;
        if (entries.Fields.Count < 2 || entries.Fields[0] is not StringArray keys || entries.Fields[1] is not StringArray values) return null;
        var start = map.ValueOffsets[row];
        var end = start + map.GetValueLength(row);
        for (var i = start; i < end; i++)
        {
            if (keys.GetString(i) != key) continue;
            var value = values.GetString(i);
            return string.IsNullOrEmpty(value) ? null : value;
        }
        return null;
    }
}
