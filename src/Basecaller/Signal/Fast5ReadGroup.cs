using System.Globalization;
using PureHDF;

namespace Dipper.Basecaller.Signal;

/// <summary>
/// Turns one FAST5 read group into a <see cref="Read"/>, checking everything that can be checked
/// before the read is handed on: the id is a UUID (and agrees with the group's name), the signal is
/// int16, its declared length agrees with the read's own <c>duration</c> attribute and is possible
/// for the file's size, and the whole signal decodes. A group that fails any check is rejected whole.
/// </summary>
internal static class Fast5ReadGroup
{
    /// <summary>
    /// The most raw signal one byte of compressed file can stand for. Deflate cannot exceed about
    /// 1032:1; nanopore signal never compresses beyond about 3:1. A declared length beyond this is a
    /// damaged header, refused before anything is allocated for it.
    /// </summary>
    private const long MaxExpansion = 1100;

    /// <summary>Chunks larger than the dataset are legal, but none larger than this is ever needed.</summary>
    private const long MaxChunkBytesBeyondSignal = 4 << 20;

    /// <summary>Decodes the read held by <paramref name="group"/>.</summary>
    /// <exception cref="InvalidDataException">A check failed (PureHDF's own exceptions pass through too).</exception>
    public static Read Decode(Fast5Layout layout, IH5Group group, long fileLength, string sourcePath)
    {
        var parts = layout.Locate(group);
        var attributes = Fast5Attributes.Of(parts.ReadAttributes);
        var tracking = Fast5Attributes.Of(parts.Tracking);
        var context = Fast5Attributes.Of(parts.Context);
        var readId = ReadIdOf(attributes, layout.IdFromName(group.Name));
        var readNumber = attributes.WholeNumber("read_number");
        if (!layout.IsMultiRead && readNumber is { } number && group.Name.StartsWith("Read_", StringComparison.Ordinal)
            && group.Name[5..] != number.ToString(CultureInfo.InvariantCulture))
            throw new InvalidDataException($"group {group.Name} holds read_number {number}");

        var sampleCount = DeclaredSampleCount(parts.Signal, fileLength);
        var duration = attributes.WholeNumber("duration");
        if (duration is { } d && d != sampleCount)
            throw new InvalidDataException($"signal holds {sampleCount} samples but the read's duration says {d}");
        var startSample = attributes.WholeNumber("start_time") ?? 0;
        if (startSample < 0) throw new InvalidDataException($"start_time {startSample} is negative");

        var (calibration, sampleRate, channel) = ChannelOf(parts.Channel);
        var runId = Fast5Attributes.Of(parts.RunIdHolder).Text("run_id") ?? tracking.Text("run_id");

        var signal = new short[sampleCount];
        parts.Signal.Read(signal);

        return new Read(readId, signal, calibration, sampleRate)
        {
            Channel = channel,
            ReadNumber = readNumber ?? 0,
            StartSample = (ulong)startSample,
            RunId = runId,
            FlowCellId = tracking.Text("flow_cell_id"),
            FlowCellProductCode = tracking.Text("flow_cell_product_code"),
            SequencingKit = context.Text("sequencing_kit"),
            // 2016 files (MinKNOW 1.x) call it experiment_kit.
            ExperimentType = context.Text("experiment_type") ?? context.Text("experiment_kit"),
            SequencingProtocol = tracking.Text("exp_script_name") ?? tracking.Text("protocol_name"),
            // MinKNOW shows protocol_group_id as the experiment's name; older files have only sample_id.
            ExperimentName = tracking.Text("protocol_group_id") ?? tracking.Text("sample_id"),
            RunStartTime = RunStartTime.Parse(tracking.Text("exp_start_time")),
            SourcePath = sourcePath,
        };
    }

    /// <summary>The read id as a lower-case hyphenated UUID, from the read_id attribute or else the group name.</summary>
    private static string ReadIdOf(Fast5Attributes readAttributes, string? idFromName)
    {
        var fromAttribute = readAttributes.Text("read_id");
        var attributeId = fromAttribute is null ? null : Uuid(fromAttribute, "read_id attribute");
        var nameId = idFromName is null ? null : Uuid(idFromName, "group name");
        if (attributeId is not null && nameId is not null && attributeId != nameId)
            throw new InvalidDataException($"read_id attribute {attributeId} disagrees with the group name's {nameId}");
        return attributeId ?? nameId ?? throw new InvalidDataException("read has no read_id attribute");
    }

    private static string Uuid(string text, string what) =>
        Guid.TryParseExact(text, "D", out var uuid)
            ? uuid.ToString("D")
            : throw new InvalidDataException($"{what} \"{text}\" is not a UUID");

    private static int DeclaredSampleCount(IH5Dataset signal, long fileLength)
    {
        var type = signal.Type;
        if (type.Class != H5DataTypeClass.FixedPoint || type.Size != 2 || !type.FixedPoint.IsSigned)
            throw new InvalidDataException($"signal is stored as {type.Class} of {type.Size} bytes, not int16");
        var dimensions = signal.Space.Dimensions;
        if (dimensions.Length != 1)
            throw new InvalidDataException($"signal has {dimensions.Length} dimensions, not 1");
        var count = dimensions[0];
        var layout = signal.Layout;
        var possibleBytes = layout.Class switch
        {
            H5DataLayoutClass.Chunked => fileLength * MaxExpansion,
            H5DataLayoutClass.Compact => 1L << 16,
            H5DataLayoutClass.Contiguous => fileLength,
            // Virtual datasets draw on other files: never followed from a file that came off a sequencer.
            var other => throw new InvalidDataException($"signal uses the {other} layout, which FAST5 never does"),
        };
        if (count > (ulong)Array.MaxLength || (long)count * 2 > possibleBytes)
            throw new InvalidDataException($"signal declares {count} samples, impossible in a file of {fileLength} bytes");
        if (layout.Class == H5DataLayoutClass.Chunked)
        {
            var chunk = layout.Chunks;
            if (chunk.Length != 1 || chunk[0] == 0 || chunk[0] > count + MaxChunkBytesBeyondSignal / 2)
                throw new InvalidDataException($"signal chunk size [{string.Join(", ", chunk)}] does not suit {count} samples");
        }
        return (int)count;
    }

    private static (SignalCalibration Calibration, double SampleRate, int Channel) ChannelOf(IH5Group? channel)
    {
        // Some files (ONT's VBZ v1 sample among them) carry the signal alone: calibration and rate unknown.
        if (channel is null) return (new SignalCalibration(0, double.NaN), 0, 0);
        var attributes = Fast5Attributes.Of(channel);
        double Required(string name) => attributes.Number(name)
            ?? throw new InvalidDataException($"channel_id has no {name}");
        var calibration = SignalCalibration.FromRange(Required("offset"), Required("range"), Required("digitisation"));
        var sampleRate = Required("sampling_rate");
        if (!(sampleRate > 0 && sampleRate < 1e6)) throw new InvalidDataException($"sampling_rate {sampleRate} is impossible");
        var number = attributes.Text("channel_number");
        var channelNumber = 0;
        if (number is not null && !int.TryParse(number, NumberStyles.Integer, CultureInfo.InvariantCulture, out channelNumber))
            throw new InvalidDataException($"channel_number \"{number}\" is not a number");
        return (calibration, sampleRate, channelNumber);
    }
}
