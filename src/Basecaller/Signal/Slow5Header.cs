using System.Globalization;

namespace Dipper.Basecaller.Signal;

/// <summary>
/// The text header SLOW5 and BLOW5 share: per-read-group run attributes (<c>@name</c> lines, one
/// tab-separated value per group) and the record schema (the <c>#char*...</c> types line and the
/// <c>#read_id...</c> names line). Built line by line so the text reader can stream it.
/// </summary>
internal sealed class Slow5Header
{
    /// <summary>The eight columns every SLOW5 record starts with, in this order.</summary>
    private static readonly (string Name, string Type)[] Primary =
    [
        ("read_id", "char*"), ("read_group", "uint32_t"), ("digitisation", "double"), ("offset", "double"),
        ("range", "double"), ("sampling_rate", "double"), ("len_raw_signal", "uint64_t"), ("raw_signal", "int16_t*"),
    ];

    /// <summary>Index of the first auxiliary column.</summary>
    public const int FirstAuxiliaryColumn = 8;

    private Slow5Header(IReadOnlyList<Slow5ReadGroup> readGroups, IReadOnlyList<Slow5Column> columns)
    {
        ReadGroups = readGroups;
        Columns = columns;
        ChannelColumn = IndexOf("channel_number");
        ReadNumberColumn = IndexOf("read_number");
        StartTimeColumn = IndexOf("start_time");
    }

    /// <summary>Run attributes of each read group, indexed by the records' read_group.</summary>
    public IReadOnlyList<Slow5ReadGroup> ReadGroups { get; }

    /// <summary>Every record column, the eight primary ones first.</summary>
    public IReadOnlyList<Slow5Column> Columns { get; }

    /// <summary>Index of <c>channel_number</c>, or -1 when records do not carry it.</summary>
    public int ChannelColumn { get; }

    /// <summary>Index of <c>read_number</c>, or -1.</summary>
    public int ReadNumberColumn { get; }

    /// <summary>Index of <c>start_time</c> (the read's first sample, counted from the run start), or -1.</summary>
    public int StartTimeColumn { get; }

    private int IndexOf(string name)
    {
        for (var i = FirstAuxiliaryColumn; i < Columns.Count; i++)
            if (Columns[i].Name == name) return i;
        return -1;
    }

    /// <summary>
    /// Makes the pipeline's <see cref="Read"/> from one decoded record; the caller has checked the
    /// read group against <see cref="ReadGroups"/>.
    /// </summary>
    public Read CreateRead(string readId, uint readGroup, double digitisation, double offset, double range,
        double samplingRate, short[] signal, in Slow5ReadDetails details, string path)
    {
        var group = ReadGroups[(int)readGroup];
        return new Read(NormaliseReadId(readId), signal, SignalCalibration.FromRange(offset, range, digitisation), samplingRate)
        {
            Channel = details.Channel,
            ReadNumber = details.ReadNumber,
            StartSample = details.StartSample,
            RunId = group.RunId,
            FlowCellId = group.FlowCellId,
            FlowCellProductCode = group.FlowCellProductCode,
            SequencingKit = group.SequencingKit,
            ExperimentType = group.ExperimentType,
            SequencingProtocol = group.SequencingProtocol,
            ExperimentName = group.ExperimentName,
            RunStartTime = group.RunStartTime,
            SourcePath = path,
        };
    }

    /// <summary>UUID read ids in the lower-case hyphenated form every other reader gives; other ids as they are.</summary>
    private static string NormaliseReadId(string readId) =>
        readId.Length == 36 && Guid.TryParseExact(readId, "D", out var uuid) ? uuid.ToString("D") : readId;

    /// <summary>
    /// Collects header lines until the column-names line. Throws <see cref="InvalidDataException"/>
    /// for anything the specification does not allow, so a damaged header is never half-trusted.
    /// </summary>
    internal sealed class Builder
    {
        private readonly Dictionary<string, string[]> attributes = new(StringComparer.Ordinal);
        private int? readGroupCount;
        private string[]? types;
        private Slow5Header? header;

        /// <summary>BLOW5 knows the group count from its binary header; SLOW5 text reads it from <c>#num_read_groups</c>.</summary>
        public Builder(int? readGroupCount) => this.readGroupCount = readGroupCount;

        /// <summary>True once the column-names line has been added.</summary>
        public bool IsComplete => header is not null;

        /// <summary>Adds one header line (without its line end); returns true when the header is complete.</summary>
        public bool Add(string line)
        {
            if (header is not null) throw new InvalidDataException("text after the header's column-names line");
            if (line.StartsWith("#read_id", StringComparison.Ordinal)) { header = Finish(line[1..].Split('\t')); return true; }
            if (line.StartsWith("#char*", StringComparison.Ordinal)) { types = line[1..].Split('\t'); return false; }
            if (line.StartsWith("#num_read_groups\t", StringComparison.Ordinal)) { SetGroupCount(line["#num_read_groups\t".Length..]); return false; }
            if (line.StartsWith("#slow5_version\t", StringComparison.Ordinal)) return false;
            if (line.StartsWith('@')) { AddAttribute(line); return false; }
            throw new InvalidDataException($"unexpected header line \"{Shorten(line)}\"");
        }

        /// <summary>The finished header; throws if the column-names line never came.</summary>
        public Slow5Header Build() =>
            header ?? throw new InvalidDataException("header ends before its #read_id column line");

        private void SetGroupCount(string text)
        {
            if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count < 1)
                throw new InvalidDataException($"#num_read_groups \"{Shorten(text)}\" is not a positive number");
            if (readGroupCount is { } known && known != count)
                throw new InvalidDataException($"#num_read_groups says {count} but the file header says {known}");
            readGroupCount = count;
        }

        private void AddAttribute(string line)
        {
            var fields = line[1..].Split('\t');
            var groups = readGroupCount ?? throw new InvalidDataException("@ attribute line before #num_read_groups");
            if (fields.Length != groups + 1)
                throw new InvalidDataException($"attribute \"{Shorten(fields[0])}\" has {fields.Length - 1} values for {groups} read groups");
            if (!attributes.TryAdd(fields[0], fields[1..]))
                throw new InvalidDataException($"attribute \"{Shorten(fields[0])}\" appears twice");
        }

        private Slow5Header Finish(string[] names)
        {
            var groups = readGroupCount ?? throw new InvalidDataException("column line before #num_read_groups");
            if (types is null) throw new InvalidDataException("column line without a preceding #char* types line");
            if (types.Length != names.Length)
                throw new InvalidDataException($"{types.Length} column types for {names.Length} column names");
            if (names.Length < Primary.Length) throw new InvalidDataException($"only {names.Length} columns; SLOW5 needs at least {Primary.Length}");
            var columns = new Slow5Column[names.Length];
            for (var i = 0; i < names.Length; i++)
            {
                if (i < Primary.Length && (names[i] != Primary[i].Name || types[i] != Primary[i].Type))
                    throw new InvalidDataException($"column {i} is \"{Shorten(names[i])}\" of type \"{Shorten(types[i])}\", expected {Primary[i].Name} of type {Primary[i].Type}");
                if (!Slow5Column.TryParse(names[i], types[i], out columns[i]))
                    throw new InvalidDataException($"column \"{Shorten(names[i])}\" has unknown type \"{Shorten(types[i])}\"");
            }
            var readGroups = new Slow5ReadGroup[groups];
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var g = 0; g < groups; g++)
            {
                values.Clear();
                foreach (var (name, perGroup) in attributes) values[name] = perGroup[g];
                readGroups[g] = Slow5ReadGroup.FromAttributes(values);
            }
            return new Slow5Header(readGroups, columns);
        }

        private static string Shorten(string text) => text.Length <= 60 ? text : text[..57] + "...";
    }
}
