namespace Dipper.Basecaller.Signal;

/// <summary>The value kinds a SLOW5 header's types line can declare.</summary>
internal enum Slow5ValueKind
{
    Int8, UInt8, Int16, UInt16, Int32, UInt32, Int64, UInt64, Float, Double, Char,
    /// <summary>An <c>enum{a,b,...}</c> column: stored as a uint8 index in BLOW5, as the index in text.</summary>
    Enum,
}

/// <summary>
/// One column of a SLOW5 record as the header declares it (name and C-like type such as
/// <c>uint64_t</c>, <c>char*</c>, <c>enum{...}</c>). BLOW5 needs the types to walk a binary
/// record; SLOW5 text needs only the names, but both check that the eight primary columns are
/// where the specification puts them.
/// </summary>
internal readonly record struct Slow5Column(string Name, Slow5ValueKind Kind, bool IsArray)
{
    /// <summary>Bytes one element takes in a BLOW5 record.</summary>
    public int ElementSize => Kind switch
    {
        Slow5ValueKind.Int8 or Slow5ValueKind.UInt8 or Slow5ValueKind.Char or Slow5ValueKind.Enum => 1,
        Slow5ValueKind.Int16 or Slow5ValueKind.UInt16 => 2,
        Slow5ValueKind.Int32 or Slow5ValueKind.UInt32 or Slow5ValueKind.Float => 4,
        _ => 8,
    };

    /// <summary>Parses a type name from the header's types line; false for a type SLOW5 does not define.</summary>
    public static bool TryParse(string name, string type, out Slow5Column column)
    {
        column = default;
        if (type.StartsWith("enum{", StringComparison.Ordinal) && type.EndsWith('}'))
        {
            column = new Slow5Column(name, Slow5ValueKind.Enum, false);
            return true;
        }
        var isArray = type.EndsWith('*');
        Slow5ValueKind? kind = (isArray ? type[..^1] : type) switch
        {
            "int8_t" => Slow5ValueKind.Int8,
            "uint8_t" => Slow5ValueKind.UInt8,
            "int16_t" => Slow5ValueKind.Int16,
            "uint16_t" => Slow5ValueKind.UInt16,
            "int32_t" => Slow5ValueKind.Int32,
            "uint32_t" => Slow5ValueKind.UInt32,
            "int64_t" => Slow5ValueKind.Int64,
            "uint64_t" => Slow5ValueKind.UInt64,
            "float" => Slow5ValueKind.Float,
            "double" => Slow5ValueKind.Double,
            "char" => Slow5ValueKind.Char,
            _ => null,
        };
        if (kind is null) return false;
        column = new Slow5Column(name, kind.Value, isArray);
        return true;
    }

    /// <summary>The type as the header spells it, for error messages.</summary>
    public override string ToString() => $"{Name} ({Kind}{(IsArray ? "*" : "")})";
}
