using System.Globalization;
using PureHDF;

namespace Dipper.Basecaller.Signal;

/// <summary>
/// Reads FAST5 attributes whatever type the writer chose. The same attribute is an int32 in one
/// MinKNOW version and a uint64 in another, channel_number is a fixed-length string in multi-read
/// files and a variable-length one in older single-read files, and numbers sometimes arrive as
/// text. PureHDF refuses to convert between integer sizes, so the stored type decides which read to call.
/// </summary>
/// <remarks>
/// The holder's attribute messages are listed once and looked up by name: asking PureHDF for each
/// attribute by name walks (and decodes) every message again, which made metadata cost more than
/// the signal in files whose tracking_id holds 30 attributes.
/// </remarks>
internal sealed class Fast5Attributes
{
    private readonly Dictionary<string, IH5Attribute> _byName = new(StringComparer.Ordinal);

    private Fast5Attributes(IH5Object? holder)
    {
        if (holder is null) return;
        foreach (var attribute in holder.Attributes()) _byName.TryAdd(attribute.Name, attribute);
    }

    /// <summary>The attributes of <paramref name="holder"/>; none when it is null (a group the file lacks).</summary>
    public static Fast5Attributes Of(IH5Object? holder) => new(holder);

    /// <summary>The attribute as text (numbers formatted invariantly); null when absent or empty.</summary>
    public string? Text(string name)
    {
        var attribute = _byName.GetValueOrDefault(name);
        if (attribute is null) return null;
        var text = attribute.Type.Class switch
        {
            H5DataTypeClass.String or H5DataTypeClass.VariableLength => Scalar<string>(attribute),
            H5DataTypeClass.FixedPoint => Integer(attribute).ToString(CultureInfo.InvariantCulture),
            H5DataTypeClass.FloatingPoint => Real(attribute).ToString(CultureInfo.InvariantCulture),
            var other => throw new InvalidDataException($"attribute {name} has type {other}, expected text"),
        };
        text = text?.TrimEnd('\0', ' ');
        return string.IsNullOrEmpty(text) ? null : text;
    }

    /// <summary>The attribute as a number; null when absent.</summary>
    public double? Number(string name)
    {
        var attribute = _byName.GetValueOrDefault(name);
        if (attribute is null) return null;
        return attribute.Type.Class switch
        {
            H5DataTypeClass.FloatingPoint => Real(attribute),
            H5DataTypeClass.FixedPoint => Integer(attribute),
            _ => ParseNumber(name, Text(name)),
        };
    }

    /// <summary>The attribute as a whole number; null when absent.</summary>
    public long? WholeNumber(string name)
    {
        var attribute = _byName.GetValueOrDefault(name);
        if (attribute is null) return null;
        if (attribute.Type.Class == H5DataTypeClass.FixedPoint) return Integer(attribute);
        var value = Number(name);
        if (value is not { } v || v != Math.Floor(v) || Math.Abs(v) > 1e18)
            throw new InvalidDataException($"attribute {name} = {value} is not a whole number");
        return (long)v;
    }

    private static long Integer(IH5Attribute attribute)
    {
        var signed = attribute.Type.FixedPoint.IsSigned;
        return (attribute.Type.Size, signed) switch
        {
            (1, true) => Scalar<sbyte>(attribute),
            (1, false) => Scalar<byte>(attribute),
            (2, true) => Scalar<short>(attribute),
            (2, false) => Scalar<ushort>(attribute),
            (4, true) => Scalar<int>(attribute),
            (4, false) => Scalar<uint>(attribute),
            (8, true) => Scalar<long>(attribute),
            (8, false) => checked((long)Scalar<ulong>(attribute)),
            var (size, _) => throw new InvalidDataException($"attribute {attribute.Name} is a {size}-byte integer"),
        };
    }

    private static double Real(IH5Attribute attribute) => attribute.Type.Size switch
    {
        4 => Scalar<float>(attribute),
        8 => Scalar<double>(attribute),
        var size => throw new InvalidDataException($"attribute {attribute.Name} is a {size}-byte float"),
    };

    private static T Scalar<T>(IH5Attribute attribute)
    {
        // FAST5 writers store scalars; a one-element array is accepted as the same thing.
        if (attribute.Space.Type == H5DataspaceType.Scalar) return attribute.Read<T>();
        var values = attribute.Read<T[]>();
        return values.Length == 1
            ? values[0]
            : throw new InvalidDataException($"attribute {attribute.Name} holds {values.Length} values, expected one");
    }

    private static double? ParseNumber(string name, string? text) =>
        text is null ? null
        : double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value
        : throw new InvalidDataException($"attribute {name} = \"{text}\" is not a number");
}
