using System.Globalization;
using System.Text;

namespace Dipper.Basecaller.Signal;

/// <summary>
/// Parses one SLOW5 text record line: tab-separated columns as the header names them, the signal as
/// comma-separated integers, "." for a missing optional value. The line must have exactly the
/// header's columns and exactly len_raw_signal samples, or it is refused whole.
/// </summary>
internal sealed class Slow5TextRecord(Slow5Header header, string path)
{
    private readonly int[] fieldStarts = new int[header.Columns.Count + 1];

    /// <summary>Id of the line last parsed, once it was readable; for error reports.</summary>
    public string? ReadId { get; private set; }

    /// <summary>Parses a record line; throws <see cref="InvalidDataException"/> saying what is wrong.</summary>
    public Read Parse(ReadOnlySpan<byte> line)
    {
        ReadId = null;
        // The id first, so that whatever else is wrong with the line can be reported against it.
        var firstTab = line.IndexOf((byte)'\t');
        var idBytes = firstTab < 0 ? line : line[..firstTab];
        if (idBytes.IsEmpty || idBytes.ContainsAnyInRange((byte)0, (byte)' ') || idBytes.Contains((byte)0x7F))
            throw new InvalidDataException("read id is empty or holds control characters");
        var readId = Encoding.UTF8.GetString(idBytes);
        ReadId = readId;
        SplitFields(line);

        var readGroup = ParseUnsigned(line, 1);
        if (readGroup >= (ulong)header.ReadGroups.Count)
            throw new InvalidDataException($"read group {readGroup} but the header has {header.ReadGroups.Count}");
        var digitisation = ParseDouble(line, 2);
        var offset = ParseDouble(line, 3);
        var range = ParseDouble(line, 4);
        var samplingRate = ParseDouble(line, 5);
        var declared = ParseUnsigned(line, 6);
        var signalText = Field(line, 7);
        // Each sample takes at least one digit and a comma: bounds the allocation before parsing.
        if (declared > (ulong)(signalText.Length + 1) / 2)
            throw new InvalidDataException($"len_raw_signal {declared} cannot fit in {signalText.Length} characters of signal");
        var signal = ParseSignal(signalText, (int)declared);

        var details = new Slow5ReadDetails(
            (int)Math.Clamp(OptionalInteger(line, header.ChannelColumn) ?? 0, 0, int.MaxValue),
            OptionalInteger(line, header.ReadNumberColumn) ?? 0,
            (ulong)Math.Max(0, OptionalInteger(line, header.StartTimeColumn) ?? 0));
        return header.CreateRead(readId, (uint)readGroup, digitisation, offset, range, samplingRate, signal, details, path);
    }

    private void SplitFields(ReadOnlySpan<byte> line)
    {
        var expected = header.Columns.Count;
        var count = 0;
        var position = 0;
        fieldStarts[0] = 0;
        while (true)
        {
            var tab = line[position..].IndexOf((byte)'\t');
            if (++count > expected) throw new InvalidDataException($"more than the header's {expected} columns");
            if (tab < 0) break;
            position += tab + 1;
            fieldStarts[count] = position;
        }
        if (count != expected) throw new InvalidDataException($"{count} columns where the header has {expected}");
        fieldStarts[count] = line.Length + 1;
    }

    private ReadOnlySpan<byte> Field(ReadOnlySpan<byte> line, int column) =>
        line[fieldStarts[column]..(fieldStarts[column + 1] - 1)];

    private ulong ParseUnsigned(ReadOnlySpan<byte> line, int column) =>
        ulong.TryParse(Field(line, column), NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new InvalidDataException($"{header.Columns[column].Name} is not a whole number");

    private double ParseDouble(ReadOnlySpan<byte> line, int column) =>
        double.TryParse(Field(line, column), NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new InvalidDataException($"{header.Columns[column].Name} is not a number");

    /// <summary>An optional integer column (<c>channel_number</c> is text in SLOW5 but holds a number); null when absent or ".".</summary>
    private long? OptionalInteger(ReadOnlySpan<byte> line, int column)
    {
        if (column < 0) return null;
        var text = Field(line, column);
        if (text.SequenceEqual("."u8)) return null;
        return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new InvalidDataException($"{header.Columns[column].Name} \"{Encoding.UTF8.GetString(text[..Math.Min(text.Length, 30)])}\" is not a whole number");
    }

    /// <summary>Parses exactly <paramref name="count"/> comma-separated int16 values.</summary>
    private static short[] ParseSignal(ReadOnlySpan<byte> text, int count)
    {
        var samples = GC.AllocateUninitializedArray<short>(count);
        if (count == 0)
        {
            if (!text.IsEmpty && !text.SequenceEqual("."u8)) throw new InvalidDataException("len_raw_signal is 0 but raw_signal has values");
            return samples;
        }
        var position = 0;
        var index = 0;
        while (true)
        {
            var negative = position < text.Length && text[position] == '-';
            if (negative) position++;
            var value = 0;
            var digitsStart = position;
            while (position < text.Length && (uint)(text[position] - '0') <= 9)
            {
                value = value * 10 + (text[position] - '0');
                position++;
                if (position - digitsStart > 5) throw new InvalidDataException($"raw_signal sample {index} has too many digits");
            }
            if (position == digitsStart) throw new InvalidDataException($"raw_signal sample {index} is not a number");
            if (negative) value = -value;
            if (value is < short.MinValue or > short.MaxValue) throw new InvalidDataException($"raw_signal sample {index} is outside int16");
            if (index == count) throw new InvalidDataException($"raw_signal has more than len_raw_signal's {count} samples");
            samples[index++] = (short)value;
            if (position == text.Length) break;
            if (text[position] != ',') throw new InvalidDataException($"raw_signal has an unexpected character after sample {index - 1}");
            position++;
        }
        if (index != count) throw new InvalidDataException($"raw_signal has {index} samples but len_raw_signal says {count}");
        return samples;
    }
}
